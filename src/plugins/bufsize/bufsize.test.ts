import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseBufsize } from './parse.ts';

describe('bufsize', () => {
  it('reads SIZE from 512 to 4096, 1232 by default, and names the line of a bad one', () => {
    expect(parseBufsize(directive('bufsize'))).toBe(1232);
    expect(parseBufsize(directive('bufsize 512'))).toBe(512);
    expect(() => parseBufsize(directive('bufsize 511'))).toThrow(/Corefile:2/);
    expect(() => parseBufsize(directive('bufsize 4097'))).toThrow(/Corefile:2/);
    expect(() => parseBufsize(directive('bufsize 1232 1232'))).toThrow(/Corefile:2/);
  });
});
