import { describe, expect, it } from 'vitest';
import { RCode } from '../../dns/constants.ts';
import { cacheUnderTest, Origin, reply } from '../../test-support/cache.ts';
import { seededRandom } from '../../test-support/random.ts';
import { aRecords, soa } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { CACHE_BYTES, effectiveCapacity } from './store.ts';

const FLOOD = 50_000;

function randomLabel(random: () => number): string {
  return Math.floor(random() * 2 ** 48).toString(36);
}

describe('cache: capacity under a random-name flood', () => {
  it('holds at most the capacity of answers, however many names arrive, and counts the evictions', async () => {
    const origin = new Origin((r) => reply(r.query.name, { answer: aRecords(r.query.name, 300, '192.0.2.1') }));
    const t = cacheUnderTest('cache {\n success 1000\n}', origin);
    const random = seededRandom(4);
    for (let i = 0; i < FLOOD; i++) await t.handler(requestFor(queryFor(`${randomLabel(random)}.example.org`, 1)));
    const limit = effectiveCapacity(1000);
    expect(t.cache.store.sizes()).toEqual({ success: limit, denial: 0 });
    expect(t.cache.metrics.forServer('dns://:53').successEvictions).toBe(FLOOD - limit);
  });

  it('bounds the denial cache the same way', async () => {
    const origin = new Origin((r) => reply(r.query.name, { authority: [soa('example.org', 60, 60)] }, RCode.NXDOMAIN));
    const t = cacheUnderTest('cache {\n denial 2048\n}', origin);
    const random = seededRandom(5);
    for (let i = 0; i < FLOOD; i++) await t.handler(requestFor(queryFor(`${randomLabel(random)}.example.org`, 1)));
    expect(t.cache.store.sizes()).toEqual({ success: 0, denial: 2048 });
    expect(t.cache.metrics.forServer('dns://:53').denialEvictions).toBe(FLOOD - 2048);
  });

  it('holds at most its bytes when the answers are large, evicting before the capacity is reached', async () => {
    // About 4 KB on the wire: 250 A records, each name compressed to a pointer.
    const addresses = Array.from({ length: 250 }, (_, i) => `192.0.2.${i}`);
    const origin = new Origin((r) => reply(r.query.name, { answer: aRecords(r.query.name, 300, ...addresses) }));
    const t = cacheUnderTest('cache', origin);
    for (let i = 0; i < 6000; i++) await t.ask(`big-${i}.example.org`);
    const { success } = t.cache.store.sizes();
    expect(t.cache.store.bytes().success).toBeLessThanOrEqual(CACHE_BYTES);
    expect(success).toBeLessThan(6000);
    expect(success).toBeGreaterThan(CACHE_BYTES / 8192);
    expect(t.cache.metrics.forServer('dns://:53').successEvictions).toBe(6000 - success);
  });

  it('keeps answering recent names from the cache while evicting the oldest', async () => {
    const origin = new Origin((r) => reply(r.query.name, { answer: aRecords(r.query.name, 300, '192.0.2.1') }));
    const t = cacheUnderTest('cache {\n success 1024\n}', origin);
    for (let i = 0; i < 3000; i++) await t.ask(`n${i}.example.org`);
    await t.ask('n2999.example.org');
    expect(origin.calls).toBe(3000);
    await t.ask('n0.example.org');
    expect(origin.calls).toBe(3001);
  });
});
