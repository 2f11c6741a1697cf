import { describe, expect, it } from 'vitest';
import { ByteArena, ownedCopy } from './owned-bytes.ts';

describe('ownedCopy', () => {
  it('copies into memory of its own, not a shared pool', () => {
    const copy = ownedCopy(Buffer.from([1, 2, 3]));
    expect([...copy]).toEqual([1, 2, 3]);
    expect(copy.buffer.byteLength).toBe(3);
  });
});

describe('ByteArena', () => {
  it('carves copies and aligned Uint32Arrays out of one slab, and counts the slab once', () => {
    const arena = new ByteArena(1024);
    const bytes = arena.copy(Buffer.from([9, 8, 7]));
    const offsets = arena.uint32s([5, 70000]);
    expect([...bytes]).toEqual([9, 8, 7]);
    expect([...offsets]).toEqual([5, 70000]);
    expect(offsets.buffer).toBe(bytes.buffer);
    expect(offsets.byteOffset % 4).toBe(0);
    expect(offsets.byteOffset).toBeGreaterThanOrEqual(3);
    expect(arena.allocatedBytes).toBe(1024);
  });

  it('starts a new slab when the current one is full, and never hands out overlapping bytes', () => {
    const arena = new ByteArena(64);
    const first = arena.copy(Buffer.alloc(10, 1));
    const second = arena.copy(Buffer.alloc(10, 2));
    const third = arena.copy(Buffer.alloc(10, 3));
    const fourth = arena.copy(Buffer.alloc(10, 4));
    const fifth = arena.copy(Buffer.alloc(10, 5));
    const sixth = arena.copy(Buffer.alloc(10, 6));
    const seventh = arena.copy(Buffer.alloc(10, 7));
    expect([first, second, third, fourth, fifth, sixth, seventh].map((b) => b[0])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect([...first, ...second].every((byte, i) => byte === (i < 10 ? 1 : 2))).toBe(true);
    expect(seventh.buffer).not.toBe(first.buffer);
    expect(arena.allocatedBytes).toBe(128);
  });

  it('gives what would waste most of a slab memory of its own', () => {
    const arena = new ByteArena(64);
    const big = arena.copy(Buffer.alloc(40, 1));
    expect(big.buffer.byteLength).toBe(40);
    expect(arena.allocatedBytes).toBe(40);
  });

  it('forgets its slabs on reset, leaving what was carved intact', () => {
    const arena = new ByteArena(64);
    const kept = arena.copy(Buffer.from([1, 2]));
    arena.reset();
    expect(arena.allocatedBytes).toBe(0);
    const next = arena.copy(Buffer.from([3, 4]));
    expect(next.buffer).not.toBe(kept.buffer);
    expect([...kept]).toEqual([1, 2]);
  });
});
