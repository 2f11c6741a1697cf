import { describe, expect, it } from 'vitest';
import { heapFlags, missingEnvironment, missingHeapFlags, SEMI_SPACE_MB } from './memory.ts';

const MiB = 2 ** 20;
const UNLIMITED = 2 ** 64;

describe('memory settings', () => {
  it('bounds the young generation always, the old space only under a memory limit', () => {
    expect(heapFlags(0)).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(heapFlags(UNLIMITED)).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(heapFlags(170 * MiB)).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`, '--max-old-space-size=116']);
  });

  it('never caps the old space below what a large cluster needs to sync', () => {
    expect(heapFlags(64 * MiB)).toContain('--max-old-space-size=64');
  });

  it('leaves the operator\'s own flags alone, however they are spelled or passed', () => {
    expect(missingHeapFlags(['--max-semi-space-size=8'], undefined, 170 * MiB)).toEqual(['--max-old-space-size=116']);
    expect(missingHeapFlags([], '--inspect --max_old_space_size=300', 170 * MiB)).toEqual([`--max-semi-space-size=${SEMI_SPACE_MB}`]);
    expect(missingHeapFlags([`--max-semi-space-size=${SEMI_SPACE_MB}`, '--max-old-space-size=116'], '', 170 * MiB)).toEqual([]);
  });

  it('limits malloc arenas unless the operator set them', () => {
    expect(missingEnvironment({})).toEqual({ MALLOC_ARENA_MAX: '2' });
    expect(missingEnvironment({}, 4)).toEqual({ MALLOC_ARENA_MAX: '5' });
    expect(missingEnvironment({ MALLOC_ARENA_MAX: '8' })).toEqual({});
  });
});
