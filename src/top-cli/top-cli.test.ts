import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandIo } from '../command-line/io.ts';
import { runTopCommand, watchTop } from './cli.ts';
import { readTopDocument, TopDocumentError, type TopDocument } from './document.ts';
import { fetchTop, parseTopServer, TopFetchError } from './fetch.ts';
import { renderTable } from './table.ts';

const SINCE = '2026-12-05T10:00:00.000Z';
const START = Date.parse(SINCE);

function topDocument(queries: number, since = SINCE): TopDocument {
  return {
    k: 100,
    since,
    threads: 2,
    dimensions: {
      queries: {
        total: queries + 10,
        othersAtMost: 0,
        entries: [
          { client: '10.244.1.7', namespace: 'shop', pod: 'checkout-7d9f', count: queries, error: 0 },
          { client: '10.244.2.3', namespace: 'infra', pod: null, count: 10, error: 2 },
        ],
      },
      nxdomain: { total: 3, othersAtMost: 1, entries: [{ client: '192.0.2.1', namespace: null, pod: null, count: 3, error: 0 }] },
      expansions: { total: 0, othersAtMost: 0, entries: [] },
    },
  };
}

function capture(): CommandIo & { output: () => string; errors: () => string } {
  let out = '';
  let err = '';
  return { out: (text) => void (out += text), err: (text) => void (err += text), output: () => out, errors: () => err };
}

describe('readTopDocument', () => {
  it('takes the document as the plugin writes it', () => {
    const document = topDocument(40);
    expect(readTopDocument(JSON.parse(JSON.stringify(document)))).toEqual(document);
  });

  it('names the field that is wrong', () => {
    const broken = (edit: (json: Record<string, any>) => void): unknown => {
      const json = JSON.parse(JSON.stringify(topDocument(40)));
      edit(json);
      return json;
    };
    expect(() => readTopDocument([])).toThrow('not a /top document: the document is not an object');
    expect(() => readTopDocument(broken((json) => delete json.dimensions.nxdomain))).toThrow('dimensions.nxdomain is not an object');
    expect(() => readTopDocument(broken((json) => (json.dimensions.queries.entries[1].count = -1)))).toThrow('dimensions.queries.entries[1].count is not a count');
    expect(() => readTopDocument(broken((json) => (json.dimensions.queries.entries[0].pod = 7)))).toThrow('dimensions.queries.entries[0].pod is not a string');
    expect(() => readTopDocument(broken((json) => (json.dimensions.expansions.entries = {})))).toThrow(TopDocumentError);
    expect(() => readTopDocument(broken((json) => (json.k = '100')))).toThrow('k is not a count');
  });
});

describe('renderTable', () => {
  it('shows each dimension with its clients, pods and average rates since counting began', () => {
    const text = renderTable(topDocument(40), { server: 'http://127.0.0.1:9153/top', limit: 10, at: START + 20_000, previous: null });
    expect(text).toBe(
      [
        'clusterdns top: http://127.0.0.1:9153/top, K=100, 2 threads, counting for 20s (since 2026-12-05T10:00:00.000Z)',
        '',
        'QUERIES: 50 in all',
        '  CLIENT      NAMESPACE/POD       COUNT  ERROR  PER SEC',
        '  10.244.1.7  shop/checkout-7d9f     40      0      2.0',
        '  10.244.2.3  infra/?                10      2      0.5',
        '',
        'NXDOMAIN: 3 in all, any client not listed at most 1',
        '  CLIENT     NAMESPACE/POD  COUNT  ERROR  PER SEC',
        '  192.0.2.1  -                  3      0      0.1',
        '',
        'SEARCH-PATH EXPANSIONS: 0 in all',
        '  (none)',
        '',
        'A COUNT overstates the true count by at most its ERROR.',
        '',
      ].join('\n'),
    );
  });

  it('rates over the interval since the previous poll, and keeps to the limit', () => {
    const previous = { document: topDocument(40), at: START + 20_000 };
    const text = renderTable(topDocument(100), { server: 's', limit: 1, at: START + 30_000, previous });
    expect(text).toContain('  10.244.1.7  shop/checkout-7d9f    100      0      6.0\n');
    expect(text).not.toContain('10.244.2.3');
    // Counting started again (a restart): the previous poll says nothing of this one.
    const restarted = renderTable(topDocument(100, new Date(START + 25_000).toISOString()), { server: 's', limit: 1, at: START + 30_000, previous });
    expect(restarted).toContain('    100      0     20.0\n');
  });
});

describe('parseTopServer', () => {
  it('reads HOST:PORT, [v6]:PORT and :PORT', () => {
    expect(parseTopServer('127.0.0.1:9153')).toEqual({ host: '127.0.0.1', port: 9153, url: 'http://127.0.0.1:9153/top' });
    expect(parseTopServer('[::1]:9153')).toEqual({ host: '::1', port: 9153, url: 'http://[::1]:9153/top' });
    expect(parseTopServer(':9253')?.url).toBe('http://127.0.0.1:9253/top');
    expect(['9153', 'host:', 'host:0', 'host:70000', 'a:b:1'].map(parseTopServer)).toEqual([null, null, null, null, null]);
  });
});

describe('fetchTop', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  async function serve(status: number, body: string): Promise<number> {
    server = createServer((_request, response) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('reads the document', async () => {
    const port = await serve(200, JSON.stringify(topDocument(40)));
    expect(await fetchTop(parseTopServer(`127.0.0.1:${port}`)!)).toEqual(topDocument(40));
  });

  it('fails with the URL and the reason: a status, JSON that is no document, no server', async () => {
    const notFound = await serve(404, '404 page not found\n');
    await expect(fetchTop(parseTopServer(`127.0.0.1:${notFound}`)!)).rejects.toThrow(
      `GET http://127.0.0.1:${notFound}/top: HTTP 404 (is \`top\` in a server block with \`prometheus\` on this address?)`,
    );
    server!.close();
    const garbled = await serve(200, '{"k": 1');
    await expect(fetchTop(parseTopServer(`127.0.0.1:${garbled}`)!)).rejects.toThrow(TopFetchError);
    server!.close();
    const wrong = await serve(200, '{"k": 1}');
    await expect(fetchTop(parseTopServer(`127.0.0.1:${wrong}`)!)).rejects.toThrow('not a /top document: dimensions is not an object');
    server!.close();
    server = undefined;
    await expect(fetchTop(parseTopServer(`127.0.0.1:${wrong}`)!)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('clusterdns top', () => {
  it('refuses a bad command line with the usage, exit 2', async () => {
    for (const argv of [['--server', 'nope'], ['--interval', '0'], ['--interval', 'soon'], ['--limit', '0'], ['extra'], ['--bogus']]) {
      const io = capture();
      expect(await runTopCommand(argv, io), argv.join(' ')).toBe(2);
      expect(io.errors()).toContain('Usage of clusterdns top:');
    }
    const help = capture();
    expect(await runTopCommand(['-h'], help)).toBe(0);
    expect(help.errors()).toContain('  -once\n');
  });

  it('with --once and nothing to read, says why and exits 1', async () => {
    const { port } = await new Promise<AddressInfo>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address() as AddressInfo;
        probe.close(() => resolve(address));
      });
    });
    const io = capture();
    expect(await runTopCommand(['--once', '--server', `127.0.0.1:${port}`], io)).toBe(1);
    expect(io.errors()).toMatch(new RegExp(`^clusterdns top: GET http://127\\.0\\.0\\.1:${port}/top: .*ECONNREFUSED`));
    expect(io.output()).toBe('');
  });

  it('redraws every interval, rates from the poll before, and shows a failed poll until the server is back', async () => {
    const io = capture();
    const stop = new AbortController();
    const polls = [topDocument(40), new TopFetchError('http://s/top', 'connect ECONNREFUSED'), topDocument(60)];
    const waits: number[] = [];
    let clock = START + 20_000;
    await watchTop({ server: parseTopServer('127.0.0.1:9153')!, intervalMs: 5000, limit: 1, once: false }, io, {
      fetch: async () => {
        const next = polls.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      wait: async (ms) => {
        waits.push(ms);
        clock += ms;
        if (polls.length === 0) stop.abort();
      },
      now: () => clock,
      signal: stop.signal,
    });
    const screens = io.output().split('\x1b[H\x1b[2J');
    expect(screens).toHaveLength(4);
    expect(screens[0]).toBe('');
    expect(screens[1]).toContain('     40      0      2.0\n');
    expect(screens[2]).toBe('clusterdns top: GET http://s/top: connect ECONNREFUSED; trying again every 5 s\n');
    // 20 more queries over the 10 s since the last good poll.
    expect(screens[3]).toContain('     60      0      2.0\n');
    expect(waits).toEqual([5000, 5000, 5000]);
  });
});
