import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRClass, RRType } from '../dns/constants.ts';
import { decodeMessage } from '../dns/message.ts';
import { encodeQuery } from '../dns/query.ts';
import { prepareReply } from '../dns/reply.ts';
import type { Reply, ResourceRecord } from '../dns/types.ts';
import { silentLogger } from '../log.ts';
import { PluginError } from '../toolkit/errors.ts';
import type { Handler, Request } from '../toolkit/types.ts';
import { observeResponse } from '../toolkit/request.ts';
import { composeChain, type Route } from './chain.ts';
import { Dispatcher } from './dispatch.ts';
import { PendingAnswers } from './pending.ts';

/** Answers TXT with the zone the request was routed to, so a test can see the routing. */
const zoneEcho: Handler = (request) =>
  prepareReply({
    rcode: RCode.NOERROR,
    flags: HeaderFlag.AA,
    qname: request.query.name,
    sections: { answer: [{ name: request.query.name, type: RRType.TXT, ttl: 5, text: [`zone=${request.zone}`] }], authority: [], additional: [] },
  });

function dispatcher(
  routes: Route[],
  options: { acceptAnyClass?: boolean; logLines?: string[]; pending?: PendingAnswers } = {},
): Dispatcher {
  const logger = options.logLines
    ? pino({ level: 'error' }, { write: (line: string) => void options.logLines!.push(line) })
    : silentLogger;
  const routing = { routes, acceptAnyClass: options.acceptAnyClass ?? false, pending: options.pending ?? new PendingAnswers() };
  return new Dispatcher({ server: 'dns://:53', routing, logger });
}

/** One query's response: a single message here (only a zone transfer makes several). */
function ask(d: Dispatcher, packet: Buffer, transport: 'udp' | 'tcp' = 'udp') {
  return d.dispatch(packet, { transport, remoteAddress: '192.0.2.1', remotePort: 5353, localAddress: '::', localPort: 53 }) as Buffer | null | Promise<Buffer | null>;
}

function syncAnswer(d: Dispatcher, packet: Buffer, transport: 'udp' | 'tcp' = 'udp') {
  const result = ask(d, packet, transport);
  expect(result).toBeInstanceOf(Buffer);
  return decodeMessage(result as Buffer);
}

function txt(message: ReturnType<typeof decodeMessage>): string[] {
  return message.answer.flatMap((r) => ('text' in r ? r.text : []));
}

describe('Dispatcher routing', () => {
  const d = dispatcher([
    { zone: '', handler: zoneEcho },
    { zone: 'example.org', handler: zoneEcho },
    { zone: 'sub.example.org', handler: zoneEcho },
  ]);

  it('routes to the longest zone that contains the name', () => {
    expect(txt(syncAnswer(d, encodeQuery('a.sub.example.org', RRType.TXT)))).toEqual(['zone=sub.example.org']);
    expect(txt(syncAnswer(d, encodeQuery('sub.example.org', RRType.TXT)))).toEqual(['zone=sub.example.org']);
    expect(txt(syncAnswer(d, encodeQuery('xsub.example.org', RRType.TXT)))).toEqual(['zone=example.org']);
    expect(txt(syncAnswer(d, encodeQuery('example.com', RRType.TXT)))).toEqual(['zone=']);
  });

  it('routes DS to the shortest zone other than the root, as CoreDNS', () => {
    expect(txt(syncAnswer(d, encodeQuery('sub.example.org', 43)))).toEqual(['zone=example.org']);
    expect(txt(syncAnswer(d, encodeQuery('example.com', 43)))).toEqual(['zone=']);
  });

  it('answers REFUSED outside every zone, and for a block without handlers', () => {
    const narrow = dispatcher([
      { zone: 'example.org', handler: zoneEcho },
      { zone: 'empty.example.org', handler: null },
    ]);
    const outside = syncAnswer(narrow, encodeQuery('example.com', RRType.A, { id: 7 }));
    expect(outside).toMatchObject({ id: 7, rcode: RCode.REFUSED, response: true, authoritative: false });
    expect(outside.questions).toEqual([{ name: 'example.com', type: RRType.A, class: RRClass.IN }]);
    expect(syncAnswer(narrow, encodeQuery('a.empty.example.org', RRType.A)).rcode).toBe(RCode.REFUSED);
  });

  it('refuses classes other than IN unless told a plugin may want them', () => {
    const chaos = encodeQuery('version.bind', RRType.TXT, { class: RRClass.CH });
    expect(syncAnswer(d, chaos).rcode).toBe(RCode.REFUSED);
    const open = dispatcher([{ zone: '', handler: zoneEcho }], { acceptAnyClass: true });
    expect(syncAnswer(open, chaos).rcode).toBe(RCode.NOERROR);
  });
});

describe('Dispatcher packets', () => {
  const d = dispatcher([{ zone: '', handler: zoneEcho }]);

  it('stays silent for what is not a query', () => {
    expect(ask(d, Buffer.from([1, 2, 3]))).toBeNull();
    const response = encodeQuery('example.org', RRType.A);
    response[2]! |= 0x80; // QR: a response
    expect(ask(d, response)).toBeNull();
  });

  it('answers FORMERR and NOTIMP as the codec rejects', () => {
    const noQuestion = encodeQuery('example.org', RRType.A, { id: 99 });
    noQuestion.writeUInt16BE(0, 4);
    expect(syncAnswer(d, noQuestion)).toMatchObject({ id: 99, rcode: RCode.FORMERR });
    const notify = encodeQuery('example.org', RRType.SOA, { id: 98 });
    notify[2] = (notify[2]! & 0x87) | (4 << 3);
    expect(syncAnswer(d, notify)).toMatchObject({ id: 98, rcode: RCode.NOTIMP });
  });

  it('truncates at the UDP limit but not over TCP', () => {
    const many: Handler = (request) => {
      const answer: ResourceRecord[] = Array.from({ length: 60 }, (_, i) => ({
        name: request.query.name,
        type: RRType.A,
        ttl: 5,
        address: `10.0.0.${i}`,
      }));
      return prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: request.query.name, sections: { answer, authority: [], additional: [] } });
    };
    const big = dispatcher([{ zone: '', handler: many }]);
    const udp = syncAnswer(big, encodeQuery('example.org', RRType.A));
    expect(udp.truncated).toBe(true);
    expect(udp.sections.end).toBeLessThanOrEqual(512);
    const tcp = syncAnswer(big, encodeQuery('example.org', RRType.A), 'tcp');
    expect(tcp.truncated).toBe(false);
    expect(tcp.answer).toHaveLength(60);
  });
});

describe('Dispatcher results', () => {
  it('returns synchronous answers without a promise and waits for asynchronous ones', async () => {
    const later: Handler = (request) => Promise.resolve(zoneEcho(request) as Reply);
    const d = dispatcher([{ zone: '', handler: later }]);
    const result = ask(d, encodeQuery('example.org', RRType.TXT));
    expect(result).toBeInstanceOf(Promise);
    expect(txt(decodeMessage((await result)!))).toEqual(['zone=']);
  });

  it('counts an asynchronous answer as owed until it settles, so a reload can wait for it', async () => {
    const pending = new PendingAnswers();
    let answer!: (reply: Reply) => void;
    const waiting: Handler = () => new Promise<Reply>((resolve) => (answer = resolve));
    const d = dispatcher([{ zone: '', handler: waiting }], { pending });
    const result = ask(d, encodeQuery('example.org', RRType.A));
    let drained = false;
    const draining = pending.drained(60_000).then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    answer(zoneEcho({ query: { name: 'example.org' } } as Request) as Reply);
    await result;
    await draining;
    expect(drained).toBe(true);
  });

  it('answers SERVFAIL and logs the name, type and error when a handler throws or rejects', async () => {
    const lines: string[] = [];
    const throwing: Handler = () => {
      throw new Error('boom');
    };
    const d = dispatcher(
      [
        { zone: 'sync.test', handler: throwing },
        { zone: 'async.test', handler: () => Promise.reject(new Error('later boom')) },
      ],
      { logLines: lines },
    );
    expect(syncAnswer(d, encodeQuery('a.sync.test', RRType.AAAA)).rcode).toBe(RCode.SERVFAIL);
    const rejected = await ask(d, encodeQuery('a.async.test', RRType.A));
    expect(decodeMessage(rejected!).rcode).toBe(RCode.SERVFAIL);
    const logged = lines.map((line) => JSON.parse(line) as { qname: string; qtype: string; err: { message: string } });
    expect(logged.map((l) => [l.qname, l.qtype, l.err.message])).toEqual([
      ['a.sync.test.', 'AAAA', 'boom'],
      ['a.async.test.', 'A', 'later boom'],
    ]);
  });

  it('answers SERVFAIL without logging when the query ran off the end of the chain', () => {
    const lines: string[] = [];
    const d = dispatcher([{ zone: '', handler: composeChain([{ plugin: 'last', factory: (next) => next }]) }], { logLines: lines });
    expect(syncAnswer(d, encodeQuery('nobody.test', RRType.A)).rcode).toBe(RCode.SERVFAIL);
    expect(lines).toEqual([]);
  });

  it("answers a PluginError with its rcode, thrown or rejected, leaving the log to the errors plugin", async () => {
    const lines: string[] = [];
    const refusing = new PluginError('forward', RCode.REFUSED, 'concurrent queries exceeded maximum 1');
    const throwing: Handler = () => {
      throw refusing;
    };
    const d = dispatcher(
      [
        { zone: 'sync.test', handler: throwing },
        { zone: 'async.test', handler: () => Promise.reject(new PluginError('x', RCode.NOTIMP, 'not here')) },
      ],
      { logLines: lines },
    );
    expect(syncAnswer(d, encodeQuery('a.sync.test', RRType.A)).rcode).toBe(RCode.REFUSED);
    expect(decodeMessage((await ask(d, encodeQuery('a.async.test', RRType.A)))!).rcode).toBe(RCode.NOTIMP);
    expect(lines).toEqual([]);
  });

  it('tells observers about the encoded response, SERVFAIL included', async () => {
    const seen: [string, number, number][] = [];
    const observing =
      (inner: Handler): Handler =>
      (request: Request) => {
        observeResponse(request, {
          plugin: 'test',
          responded: (r, reply, response) => void seen.push([r.query.name, reply.rcode, response.length]),
        });
        return inner(request);
      };
    const d = dispatcher([
      { zone: 'ok.test', handler: observing(zoneEcho) },
      { zone: 'bad.test', handler: observing(() => Promise.reject(new Error('x'))) },
    ]);
    const ok = ask(d, encodeQuery('ok.test', RRType.TXT)) as Buffer;
    const bad = (await ask(d, encodeQuery('bad.test', RRType.TXT)))!;
    expect(seen).toEqual([
      ['ok.test', RCode.NOERROR, ok.length],
      ['bad.test', RCode.SERVFAIL, bad.length],
    ]);
  });
});
