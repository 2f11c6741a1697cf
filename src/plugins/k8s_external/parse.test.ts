import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseExternal } from './parse.ts';

describe('k8s_external directive', () => {
  it('takes zones, apex, ttl, headless and fallthrough', () => {
    expect(parseExternal(directive('k8s_external example.org'))).toEqual({ zones: ['example.org'], apex: 'dns', ttl: 5, headless: false, fallthrough: null });
    expect(parseExternal(directive('k8s_external {\n    apex ext\n    ttl 30\n    headless\n    fallthrough\n}'))).toEqual({
      zones: null,
      apex: 'ext',
      ttl: 30,
      headless: true,
      fallthrough: [''],
    });
  });

  it('names the line of a bad ttl and an unknown property', () => {
    expect(() => parseExternal(directive('k8s_external {\n    ttl 4000\n}'))).toThrow(/Corefile:3 - .*ttl must be in range \[0, 3600\]/);
    expect(() => parseExternal(directive('k8s_external {\n    nope\n}'))).toThrow(/Corefile:3 - .*unknown property 'nope'/);
  });
});
