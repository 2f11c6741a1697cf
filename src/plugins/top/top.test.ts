import { describe, expect, it } from 'vitest';
import { createClusterStore } from '../../cluster/store.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { Reply } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { renderMetrics } from '../../metrics/registry.ts';
import { pod, slice, state } from '../../test-support/cluster.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { readTopDocument } from '../../top-cli/document.ts';
import { ServerRequest } from '../../toolkit/request.ts';
import type { Handler } from '../../toolkit/types.ts';
import { TopBoard } from './board.ts';
import { searchPathExpansion } from './expansion.ts';
import { topHandler } from './handler.ts';
import { publishTopMetrics } from './metrics.ts';
import { topDocument } from './report.ts';
import { ClientTracker, type ClientsSummary } from './tracker.ts';

const NXDOMAIN = emptyReply(RCode.NXDOMAIN);
const NOERROR = emptyReply(RCode.NOERROR);

function ask(handler: Handler, name: string, client: string): Reply | Promise<Reply> {
  return handler(requestFor(queryFor(name, RRType.A), { remoteAddress: client }));
}

function keys(summary: ClientsSummary): Record<string, [string, number][]> {
  return Object.fromEntries(Object.entries(summary.counts).map(([name, counts]) => [name, counts.entries.map((entry) => [entry.key, entry.count])]));
}

describe('top handler', () => {
  const isExpansion = searchPathExpansion(['cluster.local']);
  /** NXDOMAIN for every name under cluster.local that is no service of `default`. */
  const chain: Handler = (request) => (request.query.name.endsWith('.default.svc.cluster.local') ? NOERROR : NXDOMAIN);

  it('counts every query by client, NXDOMAIN answers, and the search-path expansions among them', () => {
    const tracker = new ClientTracker(10);
    const handler = topHandler(tracker, isExpansion)(chain);
    // A pod in shop looking up api.example.com: three tries under cluster.local, then the name.
    for (const name of ['api.example.com.shop.svc.cluster.local', 'api.example.com.svc.cluster.local', 'api.example.com.cluster.local']) {
      expect(ask(handler, name, '10.0.0.1')).toBe(NXDOMAIN);
    }
    ask(handler, 'nosuch.shop.svc.cluster.local', '10.0.0.1');
    ask(handler, 'myservice.default.svc.cluster.local', '10.0.0.2');
    ask(handler, 'myservice.default.svc.cluster.local', '10.0.0.2');
    expect(keys(tracker.summary())).toEqual({
      queries: [['10.0.0.1', 4], ['10.0.0.2', 2]],
      nxdomain: [['10.0.0.1', 4]],
      expansions: [['10.0.0.1', 3]],
    });
  });

  it('counts a promised reply once the server tells its observers', async () => {
    const tracker = new ClientTracker(10);
    const handler = topHandler(tracker, isExpansion)(async () => NXDOMAIN);
    const request = new ServerRequest({
      query: queryFor('api.example.com.cluster.local', RRType.A),
      from: { transport: 'udp', remoteAddress: '10.0.0.3', remotePort: 5300, localAddress: '127.0.0.1', localPort: 53 },
      server: 'dns://:53',
      zone: '',
    });
    const reply = await handler(request);
    expect(tracker.summary().counts.nxdomain.entries).toEqual([]);
    for (const observer of request.observers ?? []) observer.responded(request, reply, Buffer.alloc(12));
    expect(keys(tracker.summary())).toEqual({ queries: [['10.0.0.3', 1]], nxdomain: [['10.0.0.3', 1]], expansions: [['10.0.0.3', 1]] });
  });

  it('counts the query even when the rest of the chain throws', () => {
    const tracker = new ClientTracker(10);
    const handler = topHandler(tracker, isExpansion)(() => {
      throw new Error('down the chain');
    });
    expect(() => ask(handler, 'a.test', '10.0.0.4')).toThrow('down the chain');
    expect(tracker.summary().counts.queries.total).toBe(1);
  });
});

describe('TopBoard', () => {
  it('shares one tracker between instances of one K until the last lets go', () => {
    const board = new TopBoard();
    const first = board.acquire(10);
    const reloaded = board.acquire(10);
    const other = board.acquire(3);
    expect(reloaded.tracker).toBe(first.tracker);
    first.tracker.queries.offer('10.0.0.1');
    other.tracker.queries.offer('10.0.0.1');
    first.release();
    first.release();
    expect(board.acquire(10).tracker).toBe(reloaded.tracker);
    // The thread's summary merges the trackers of every K, at the largest K.
    const summary = board.threadSummary()!;
    expect(summary.k).toBe(10);
    expect(summary.counts.queries.entries).toEqual([{ key: '10.0.0.1', count: 2, error: 0 }]);
  });

  it("merges the workers' latest summaries, forgetting a worker that went away, and all of them with the last tracker", () => {
    const board = new TopBoard();
    const lease = board.acquire(5);
    lease.tracker.queries.offer('10.0.0.1');
    const worker = (client: string, times: number): ClientsSummary => {
      const tracker = new ClientTracker(5);
      for (let i = 0; i < times; i++) tracker.queries.offer(client);
      return tracker.summary();
    };
    board.recordWorker(7, worker('10.0.0.2', 1), 2);
    board.recordWorker(8, worker('10.0.0.2', 2), 2);
    board.recordWorker(7, worker('10.0.0.2', 4), 2);
    expect(board.processSummary().threads).toBe(3);
    expect(keys(board.processSummary().summary!).queries).toEqual([['10.0.0.2', 6], ['10.0.0.1', 1]]);
    // Worker 8 was restarted as 9: 8, heard from least recently, is dropped.
    board.recordWorker(9, worker('10.0.0.3', 1), 2);
    expect(keys(board.processSummary().summary!).queries).toEqual([['10.0.0.2', 4], ['10.0.0.1', 1], ['10.0.0.3', 1]]);
    lease.release();
    expect(board.processSummary()).toEqual({ summary: null, threads: 0 });
  });

  it('names clients by pod, by the EndpointSlice that lists them, or not at all', () => {
    const board = new TopBoard();
    const store = createClusterStore();
    store.replace(
      state({
        pods: [pod({ name: 'client', namespace: 'shop', ips: ['10.0.0.1'] }), pod({ name: 'agent-a', namespace: 'infra', ips: ['10.1.0.1'] }), pod({ name: 'agent-b', namespace: 'infra', ips: ['10.1.0.1'] })],
        endpointSlices: [
          slice({
            name: 'web-abc',
            namespace: 'shop',
            serviceName: 'web',
            endpoints: [
              { addresses: ['10.0.0.5'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: 'shop', name: 'web-0' } },
              { addresses: ['10.0.0.6'], conditions: { ready: true, serving: true, terminating: false } },
            ],
          }),
        ],
      }),
    );
    expect(board.identify('10.0.0.1')).toEqual({ namespace: null, pod: null });
    const forget = board.addView(store);
    expect(['10.0.0.1', '10.1.0.1', '10.0.0.5', '10.0.0.6', '192.0.2.1'].map((ip) => board.identify(ip))).toEqual([
      { namespace: 'shop', pod: 'client' },
      { namespace: 'infra', pod: null },
      { namespace: 'shop', pod: 'web-0' },
      { namespace: 'shop', pod: null },
      { namespace: null, pod: null },
    ]);
    forget();
    expect(board.identify('10.0.0.1')).toEqual({ namespace: null, pod: null });
  });
});

describe('the /top document and the gauges', () => {
  function countedBoard(): TopBoard {
    const board = new TopBoard();
    const store = createClusterStore();
    store.replace(state({ pods: [pod({ name: 'client', namespace: 'shop', ips: ['10.0.0.1'] })] }));
    board.addView(store);
    const { tracker } = board.acquire(2);
    for (const client of ['10.0.0.1', '10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.3']) tracker.queries.offer(client);
    tracker.nxdomain.offer('10.0.0.1');
    return board;
  }

  it('lists each dimension with its clients named, as clusterdns top reads it', () => {
    const board = countedBoard();
    const { summary, threads } = board.processSummary();
    const document = topDocument(summary, threads, 2, (client) => board.identify(client));
    expect(readTopDocument(JSON.parse(JSON.stringify(document)))).toEqual(document);
    expect(document.k).toBe(2);
    expect(document.threads).toBe(1);
    expect(document.dimensions.queries).toEqual({
      total: 5,
      othersAtMost: 2,
      entries: [
        { client: '10.0.0.1', namespace: 'shop', pod: 'client', count: 3, error: 0 },
        { client: '10.0.0.3', namespace: null, pod: null, count: 2, error: 1 },
      ],
    });
    expect(document.dimensions.nxdomain.entries).toEqual([{ client: '10.0.0.1', namespace: 'shop', pod: 'client', count: 1, error: 0 }]);
    expect(document.dimensions.expansions).toEqual({ total: 0, othersAtMost: 0, entries: [] });
  });

  it('is an empty document before anything counts', () => {
    const document = topDocument(null, 0, 100, () => ({ namespace: null, pod: null }));
    expect(document.dimensions.queries).toEqual({ total: 0, othersAtMost: 0, entries: [] });
    expect(document.k).toBe(100);
  });

  it('sets at most K gauges a dimension at each scrape, labelled with the pod', async () => {
    const board = countedBoard();
    publishTopMetrics(board);
    const text = await renderMetrics(silentLogger);
    expect(text).toContain('clusterdns_top_client_queries{client="10.0.0.1",namespace="shop",pod="client"} 3');
    expect(text).toContain('clusterdns_top_client_queries{client="10.0.0.3",namespace="",pod=""} 2');
    expect(text).not.toContain('client="10.0.0.2"');
    expect(text).toContain('clusterdns_top_client_nxdomain{client="10.0.0.1",namespace="shop",pod="client"} 1');
    expect(text).toContain('# TYPE clusterdns_top_client_search_path_expansions gauge');
    board.acquire(2).tracker.queries.offer('10.0.0.9');
    expect(await renderMetrics(silentLogger)).toContain('clusterdns_top_client_queries{client="10.0.0.9",namespace="",pod=""} 3');
  });
});
