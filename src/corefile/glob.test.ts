import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globFiles, hasWildcard } from './glob.ts';

describe('globFiles', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-glob-'));
    const files = ['b.conf', 'a.conf', '.hidden.conf', 'a+b.conf', '[x].conf', 'ab.txt'];
    for (const name of [...files, 'sub/one/z.conf', 'sub/two/z.conf', 'sub/two/y.conf']) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), '');
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const names = (pattern: string) => globFiles(join(dir, pattern)).map((path) => path.slice(dir.length + 1));

  it('matches * against any name in one directory, dot files included, sorted', () => {
    expect(names('*.conf')).toEqual(['.hidden.conf', '[x].conf', 'a+b.conf', 'a.conf', 'b.conf']);
  });

  it('matches ? against exactly one character and takes other characters literally', () => {
    expect(names('?.conf')).toEqual(['a.conf', 'b.conf']);
    expect(names('a?b.conf')).toEqual(['a+b.conf']);
    expect(names('[x].conf')).toEqual(['[x].conf']);
  });

  it('expands wildcards in directory components', () => {
    expect(names('sub/*/z.conf')).toEqual(['sub/one/z.conf', 'sub/two/z.conf']);
    expect(names('sub/t*/*')).toEqual(['sub/two/y.conf', 'sub/two/z.conf']);
  });

  it('returns nothing for a missing directory or an unmatched name', () => {
    expect(names('missing/*.conf')).toEqual([]);
    expect(names('*.yaml')).toEqual([]);
  });

  it('knows which patterns have wildcards', () => {
    expect(hasWildcard('conf.d/*.conf')).toBe(true);
    expect(hasWildcard('zone?.conf')).toBe(true);
    expect(hasWildcard('plain.conf')).toBe(false);
  });
});
