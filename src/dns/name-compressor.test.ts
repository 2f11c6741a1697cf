import { describe, expect, it } from 'vitest';
import { DnsParseError } from './errors.ts';
import { MAX_POINTER_TARGET } from './name-codec.ts';
import { NameCompressor } from './name-compressor.ts';
import { encodeName } from './names.ts';

/** Wire bytes from labels and, last, a pointer target: wire(['a'], 12) is 1 'a' 0xc0 0x0c. */
function wire(labels: readonly string[], pointer?: number): Buffer {
  const parts = labels.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'latin1')]));
  const end = pointer === undefined ? Buffer.from([0]) : Buffer.from([0xc0 | (pointer >> 8), pointer & 0xff]);
  return Buffer.concat([...parts, end]);
}

/** Writes `name` at message offset `at` and returns the bytes written. */
function written(names: NameCompressor, name: string, at: number, compress = true): Buffer {
  const out = Buffer.alloc(300);
  names.loadText(name);
  return out.subarray(0, names.write(out, 0, at, compress));
}

describe('NameCompressor', () => {
  it('points a name equal to the question, or ending in it, at the question', () => {
    const names = new NameCompressor();
    names.begin('svc.cluster.local');
    expect(written(names, 'svc.cluster.local', 40)).toEqual(wire([], 12));
    expect(written(names, 'web.svc.cluster.local', 42)).toEqual(wire(['web'], 12));
    expect(written(names, 'cluster.local', 48)).toEqual(wire([], 16));
  });

  it('points later names at the longest suffix written before them', () => {
    const names = new NameCompressor();
    names.begin('example.org');
    expect(written(names, 'a.b.example.org', 40)).toEqual(wire(['a', 'b'], 12));
    expect(written(names, 'c.b.example.org', 60)).toEqual(wire(['c'], 42));
  });

  it('matches suffixes byte for byte, as miekg/dns does, and writes the bytes in the case it was given', () => {
    const names = new NameCompressor();
    names.begin('www.Example.ORG');
    // Only `ORG` is spelled alike: `example` is written, then a pointer to the question's `ORG`.
    expect(written(names, 'mail.example.ORG', 40)).toEqual(wire(['mail', 'example'], 12 + 12));
    expect(written(names, 'ftp.Example.ORG', 60)).toEqual(wire(['ftp'], 12 + 4));
  });

  it('writes a name whole when told not to compress it, and later names may still point into it', () => {
    const names = new NameCompressor();
    names.begin('x');
    expect(written(names, 'host.x', 40, false)).toEqual(encodeName('host.x'));
    expect(written(names, 'a.host.x', 60)).toEqual(wire(['a'], 40));
  });

  it('remembers no suffix a 14-bit pointer cannot reach', () => {
    const names = new NameCompressor();
    names.begin('x');
    // 'a' lands at the last offset a pointer reaches, 'b' one past it.
    expect(written(names, 'a.b', MAX_POINTER_TARGET - 1)).toEqual(encodeName('a.b'));
    expect(written(names, 'b', MAX_POINTER_TARGET + 10)).toEqual(encodeName('b'));
    expect(written(names, 'a.b', MAX_POINTER_TARGET + 20)).toEqual(wire([], MAX_POINTER_TARGET - 1));
  });

  it('without a question writes every name whole and remembers none', () => {
    const names = new NameCompressor();
    names.begin('example.org');
    names.begin(null);
    expect(written(names, 'example.org', 40)).toEqual(encodeName('example.org'));
    expect(written(names, 'example.org', 60)).toEqual(encodeName('example.org'));
  });

  it('reads names from a message, following pointers and keeping their case', () => {
    const question = wire(['Example', 'ORG']);
    const message = Buffer.concat([Buffer.alloc(12), question, Buffer.alloc(4), wire(['WWW'], 12)]);
    const nameAt = 12 + question.length + 4;
    const names = new NameCompressor();
    names.beginFrom(message, 12);
    expect(names.loadFrom(message, nameAt)).toBe(message.length);
    const out = Buffer.alloc(300);
    expect(out.subarray(0, names.write(out, 0, 100, false))).toEqual(wire(['WWW', 'Example', 'ORG']));
    names.beginFrom(message, 12);
    names.loadFrom(message, nameAt);
    expect(out.subarray(0, names.write(out, 0, 100, true))).toEqual(wire(['WWW'], 12));
  });

  it('refuses a name whose pointer does not go backwards', () => {
    const message = Buffer.concat([Buffer.alloc(12), wire(['a'], 12)]);
    const names = new NameCompressor();
    expect(() => names.beginFrom(message, 12)).toThrow(DnsParseError);
  });
});
