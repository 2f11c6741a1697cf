import { describe, expect, it } from 'vitest';
import { parseSelector, SelectorError } from './selector.ts';

describe('parseSelector', () => {
  it.each([
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['a in (y,x)', 'a in (x,y)'],
    ['a notin (x)', 'a notin (x)'],
    ['a', 'a'],
    ['!a', '!a'],
    ['  z = 1 ,  a in ( q , p ) , !m ', 'a in (p,q),!m,z=1'],
    ['app.kubernetes.io/name=web', 'app.kubernetes.io/name=web'],
    ['a=', 'a='],
    ['a in ()', 'a in ()'],
    ['a in (x,,x)', 'a in (,x)'],
    ['x in (in,notin)', 'x in (in,notin)'],
    ['', ''],
  ])('reads %j as %j', (text, canonical) => {
    expect(parseSelector(text).toString()).toBe(canonical);
  });

  it.each([
    'a=b=c',
    'a in x',
    'a in (x',
    '=b',
    'a,',
    ',a',
    'a b',
    '!a=b',
    'a>1',
    'a<1',
    'a&&b',
    'Bad_Prefix/name=x',
    '/name=x',
    'a/b/c',
    `${'k'.repeat(64)}=v`,
    `a=${'v'.repeat(64)}`,
    'a=-v',
    '-a',
  ])('rejects %j with a SelectorError', (text) => {
    expect(() => parseSelector(text)).toThrow(SelectorError);
  });

  it('names the selector in its error', () => {
    expect(() => parseSelector('a in x')).toThrow(/selector string "a in x"/);
    expect(() => parseSelector('a>1')).toThrow(/"gt" isn't supported/);
  });

  describe('matches', () => {
    const cases: [string, Record<string, string>, boolean][] = [
      ['a=b', { a: 'b' }, true],
      ['a=b', { a: 'c' }, false],
      ['a=b', {}, false],
      ['a==b', { a: 'b', x: 'y' }, true],
      ['a!=b', { a: 'c' }, true],
      ['a!=b', {}, true],
      ['a!=b', { a: 'b' }, false],
      ['a in (x,y)', { a: 'y' }, true],
      ['a in (x,y)', { a: 'z' }, false],
      ['a in (x,y)', {}, false],
      ['a notin (x)', { a: 'x' }, false],
      ['a notin (x)', { a: 'z' }, true],
      ['a notin (x)', {}, true],
      ['a', { a: '' }, true],
      ['a', { b: 'a' }, false],
      ['!a', { b: 'a' }, true],
      ['!a', { a: 'x' }, false],
      ['a=', { a: '' }, true],
      ['a=', {}, false],
      ['a=b,c', { a: 'b', c: '1' }, true],
      ['a=b,c', { a: 'b' }, false],
      ['', { anything: 'goes' }, true],
      ['toString', {}, false],
    ];
    it.each(cases)('%j against %j is %s', (text, labels, expected) => {
      expect(parseSelector(text).matches(labels)).toBe(expected);
    });
  });

  it('keeps requirements sorted by key with deduplicated, sorted values', () => {
    const selector = parseSelector('b in (2,1,2),a');
    expect(selector.requirements).toEqual([
      { key: 'a', operator: 'exists', values: [] },
      { key: 'b', operator: 'in', values: ['1', '2'] },
    ]);
  });
});
