import { describe, expect, it } from 'vitest';
import { KubeProtocolError } from './errors.ts';
import { FrameSplitter } from './frames.ts';

function frame(payload: string): Buffer {
  const body = Buffer.from(payload);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(body.length);
  return Buffer.concat([prefix, body]);
}

function split(stream: Buffer, chunkSize: number): string[] {
  const splitter = new FrameSplitter('/api/v1/pods');
  const frames: string[] = [];
  for (let i = 0; i < stream.length; i += chunkSize) splitter.push(stream.subarray(i, i + chunkSize), (f) => frames.push(f.toString()));
  return frames;
}

describe('FrameSplitter', () => {
  const stream = Buffer.concat([frame('first'), frame(''), frame('x'.repeat(1000)), frame('last')]);

  it.each([1, 2, 3, 4, 5, 7, 64, 1000, stream.length])('splits frames whatever the chunks (%i bytes each)', (chunkSize) => {
    expect(split(stream, chunkSize)).toEqual(['first', '', 'x'.repeat(1000), 'last']);
  });

  it('keeps a frame cut off by the end of the stream back', () => {
    expect(split(Buffer.concat([frame('whole'), frame('cut').subarray(0, 5)]), 3)).toEqual(['whole']);
  });

  it('refuses a frame larger than client-go would read, naming the stream', () => {
    const splitter = new FrameSplitter('/api/v1/pods');
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
    expect(() => splitter.push(huge, () => undefined)).toThrow(KubeProtocolError);
    expect(() => new FrameSplitter('/api/v1/pods').push(huge, () => undefined)).toThrow(/\/api\/v1\/pods: a watch frame of 2147483647 bytes/);
  });
});
