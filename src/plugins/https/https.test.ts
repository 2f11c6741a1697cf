import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseHttps } from './parse.ts';

describe('https', () => {
  it('reads max_connections, 200 by default and 0 for no limit', () => {
    expect(parseHttps(directive('https'))).toEqual({ maxConnections: 200 });
    expect(parseHttps(directive('https {\n max_connections 0\n}'))).toEqual({ maxConnections: 0 });
    expect(() => parseHttps(directive('https {\n max_connections -1\n}'))).toThrow(/Corefile:3/);
    expect(() => parseHttps(directive('https {\n max_streams 5\n}'))).toThrow(/Corefile:3 .*unknown property 'max_streams'/);
  });
});
