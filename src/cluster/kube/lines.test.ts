import { describe, expect, it } from 'vitest';
import { LineSplitter } from './lines.ts';

describe('LineSplitter', () => {
  it('joins lines split across chunks and skips blank lines', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    for (const chunk of ['{"a":', '1}\n{"b"', ':2}\n\n{"c":3}\n{"d"', '', ':4}\n']) splitter.push(Buffer.from(chunk), (line) => lines.push(line));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}', '{"d":4}']);
  });

  it('handles many lines in one chunk', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    splitter.push(Buffer.from('1\n2\n3\n'), (line) => lines.push(line));
    expect(lines).toEqual(['1', '2', '3']);
  });

  it('decodes a character whose bytes are split across chunks', () => {
    const splitter = new LineSplitter();
    const lines: string[] = [];
    const bytes = Buffer.from('{"name":"café"}\n');
    const cut = bytes.indexOf(0xa9); // the second byte of é
    splitter.push(bytes.subarray(0, cut), (line) => lines.push(line));
    splitter.push(bytes.subarray(cut), (line) => lines.push(line));
    expect(lines).toEqual(['{"name":"café"}']);
  });
});
