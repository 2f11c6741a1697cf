import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../src/test-support/wait.ts';
import { endpointSliceObject, serviceObject, type FakeApiServer } from '../fake-apiserver/index.ts';
import { startHarness, type Harness } from './harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

const SERVICES = 20;

function seedServices(server: FakeApiServer): void {
  for (let i = 0; i < SERVICES; i++) server.upsert('service', serviceObject('default', `svc-${i}`, { clusterIP: `10.96.1.${i}` }));
}

/** Starts a synced harness with both watches open. */
async function syncedHarness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const started = await startHarness({ seed: seedServices, ...options });
  await started.source.onSynced;
  await eventually(() => started.server.watchCount() === 2, 'both watches open');
  return started;
}

/** Counts moments at which any of these services was missing from the store, checked at every store change. */
function watchForGaps(h: Harness, names: readonly string[]): { gaps: number; changes: number; stop: () => void } {
  const state = { gaps: 0, changes: 0, stop: () => undefined as unknown };
  const unsubscribe = h.store.subscribe(() => {
    state.changes++;
    for (const name of names) if (!h.store.service('default', name)) state.gaps++;
  });
  return Object.assign(state, { stop: () => void unsubscribe() });
}

const failingLogs = (h: Harness): number => h.logs.filter((l) => l.msg.startsWith('kubernetes API failing')).length;
const recoveredLogs = (h: Harness): number => h.logs.filter((l) => l.msg === 'kubernetes API recovered').length;

describe('stream ends', () => {
  it('resumes from the last resourceVersion after a clean close, without relisting', async () => {
    harness = await syncedHarness();
    const { server, store } = harness;
    server.faults.closeStreams();
    server.upsert('service', serviceObject('default', 'during-gap'));
    await eventually(() => store.service('default', 'during-gap') !== undefined, 'the change made while no watch was open');
    const resumed = server.requests.filter((r) => r.kind === 'service' && r.watch).at(-1);
    expect(Number(resumed?.query.get('resourceVersion'))).toBeGreaterThan(0);
    expect(harness.lists('service')).toBe(1);
    expect(failingLogs(harness)).toBe(0);
  });

  it('survives reset sockets, keeping every service meanwhile', async () => {
    harness = await syncedHarness();
    const { server, store } = harness;
    const gaps = watchForGaps(harness, Array.from({ length: SERVICES }, (_, i) => `svc-${i}`));
    server.faults.resetSockets();
    server.upsert('service', serviceObject('default', 'after-reset'));
    await eventually(() => store.service('default', 'after-reset') !== undefined, 'change after the reset');
    gaps.stop();
    expect(gaps.gaps).toBe(0);
    expect([...store.services()].length).toBe(SERVICES + 1);
  });

  it('retries 500s with backoff, logging failing and recovered once each', async () => {
    harness = await syncedHarness();
    const { server, store } = harness;
    server.faults.failNext(6, 500);
    server.faults.closeStreams();
    await eventually(() => recoveredLogs(harness as Harness) === 1, 'recovery');
    server.upsert('service', serviceObject('default', 'after-500s'));
    await eventually(() => store.service('default', 'after-500s') !== undefined, 'change after recovery');
    expect(failingLogs(harness)).toBe(1);
    expect(recoveredLogs(harness)).toBe(1);
    expect(harness.logs.filter((l) => l.msg.includes('retrying')).length).toBeGreaterThanOrEqual(3);
    expect([...store.services()].length).toBe(SERVICES + 1);
  });
});

describe('410 Gone', () => {
  it('relists on an ERROR 410 event and swaps the new state in without a gap', async () => {
    harness = await syncedHarness();
    const { server, store } = harness;
    const stable = Array.from({ length: SERVICES - 1 }, (_, i) => `svc-${i + 1}`);
    const gaps = watchForGaps(harness, stable);
    // Changes the client does not hear about on its watch: only the relist can bring them.
    server.faults.silenceStreams();
    server.remove('service', 'default', 'svc-0');
    server.upsert('service', serviceObject('default', 'svc-5', { clusterIP: '10.96.1.5', port: 9090 }));
    server.upsert('service', serviceObject('default', 'new-one'));
    server.faults.expireWatches();
    await eventually(() => harness?.reflector('services').lists === 2, 'a relist');
    await eventually(() => store.service('default', 'new-one') !== undefined, 'relisted state');
    gaps.stop();
    expect(store.service('default', 'svc-0')).toBeUndefined();
    expect(store.service('default', 'svc-5')?.ports[0]?.port).toBe(9090);
    expect(gaps.gaps).toBe(0);
    expect(gaps.changes).toBe(1);
    expect(failingLogs(harness)).toBe(0);
  });

  it('relists when the watch itself is refused with HTTP 410', async () => {
    harness = await syncedHarness();
    const { server, store } = harness;
    const gaps = watchForGaps(harness, ['svc-1', 'svc-2']);
    // Both watches come back and both are refused.
    server.faults.goneNext(1, 'service');
    server.faults.goneNext(1, 'endpointslice');
    server.faults.closeStreams();
    await eventually(() => harness?.reflector('services').lists === 2 && harness.reflector('endpointslices').lists === 2, 'both relists');
    server.upsert('service', serviceObject('default', 'after-410'));
    await eventually(() => store.service('default', 'after-410') !== undefined, 'watching again');
    gaps.stop();
    expect(gaps.gaps).toBe(0);
  });

  it('relists when the history no longer reaches its resourceVersion', async () => {
    harness = await syncedHarness();
    const { server, store } = harness;
    server.faults.silenceStreams();
    server.upsert('service', serviceObject('default', 'compacted-away'));
    server.faults.compactHistory();
    server.faults.closeStreams();
    await eventually(() => store.service('default', 'compacted-away') !== undefined, 'the relist');
    expect(harness.reflector('services').lists).toBe(2);
  });
});

describe('silence', () => {
  it('restarts a watch that hears nothing for idleTimeoutMs, catching up from its resourceVersion', async () => {
    harness = await syncedHarness({ source: { idleTimeoutMs: 300 } });
    const { server, store } = harness;
    server.faults.silenceStreams();
    server.upsert('service', serviceObject('default', 'unheard'));
    await eventually(() => store.service('default', 'unheard') !== undefined, 'the idle restart');
    expect(harness.reflector('services').lists).toBe(1);
    expect(failingLogs(harness)).toBe(0);
  });

  it('gives up on requests that are never answered and recovers when the server answers again', async () => {
    harness = await syncedHarness({ source: { idleTimeoutMs: 200 } });
    const { server, store } = harness;
    server.faults.hang = true;
    server.faults.closeStreams();
    const before = server.requests.length;
    await eventually(() => server.requests.length >= before + 4, 'retries of hung requests');
    expect(failingLogs(harness)).toBe(1);
    expect([...store.services()].length).toBe(SERVICES);
    server.faults.hang = false;
    server.upsert('service', serviceObject('default', 'after-hang'));
    await eventually(() => store.service('default', 'after-hang') !== undefined, 'recovery after the hang');
    await eventually(() => recoveredLogs(harness as Harness) === 1, 'recovered log');
  });

  it('stops promptly with requests in flight that the server never answers', async () => {
    const h = await startHarness({ seed: (server) => (server.faults.hang = true) });
    await eventually(() => h.server.requests.length === 2, 'both lists sent');
    await h.source.stop();
    expect(h.source.synced).toBe(false);
    await h.stop();
  });

  it('retries with backoff while the API host does not resolve', async () => {
    const h = await startHarness({ connect: () => ({ endpoint: 'http://api.nonexistent.invalid:8080' }) });
    harness = h;
    await eventually(() => h.logs.filter((l) => l.msg.includes('retrying')).length >= 3, 'three retries');
    expect(h.source.synced).toBe(false);
    expect(failingLogs(h)).toBe(1);
    const failure = h.logs.find((l) => l.msg.startsWith('kubernetes API failing'));
    expect(failure?.['err']).toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('bookmarks', () => {
  it('advance the resourceVersion so a resume needs no relist after unrelated churn', async () => {
    harness = await syncedHarness({ server: { historyLimit: 5 } });
    const { server } = harness;
    const churn = (round: number): void => {
      for (let i = 0; i < 10; i++) server.upsert('endpointslice', endpointSliceObject('default', 'svc-1', 'svc-1-x', [`10.1.${round}.${i + 1}`]));
    };
    const services = harness.reflector('services');

    // With a bookmark, the services watch knows the history has moved on and resumes from there.
    churn(1);
    server.sendBookmarks();
    await eventually(() => services.resourceVersion === String(server.resourceVersion), 'the bookmark');
    server.faults.closeStreams();
    await eventually(() => server.watchCount('service') === 1, 'watch resumed');
    server.upsert('service', serviceObject('default', 'after-bookmark'));
    await eventually(() => harness?.store.service('default', 'after-bookmark') !== undefined, 'watching again');
    expect(services.lists).toBe(1);

    // Without one, the same churn leaves it behind the history: only a relist helps.
    churn(2);
    server.faults.closeStreams();
    await eventually(() => services.lists === 2, 'a relist');
  });
});
