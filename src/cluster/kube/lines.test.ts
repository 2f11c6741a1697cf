import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lines.ts';

describe('LineSplitter', () => {
  it('joins lines split across chunks and skips blank lines', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    for (const chunk of ['{"a":', '1}\n{"b"', ':2}\n\n{"c":3}\n{"d"', '', ':4}\n']) splitter.push(chunk, (line) => lines.push(line));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}']);
  });

  it('handles many lines in one chunk', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    splitter.push('1\n2\n3\n', (line) => lines.push(line));
    expect(lines).toEqual(['1', '2', '3']);
  });
});
