import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { parseQuery } from '../../dns/query.ts';
import { prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { DomainName, Query, Reply, ResourceRecord } from '../../dns/types.ts';
import { metricsRegistry } from '../../metrics/registry.ts';
import { directive } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { soa } from '../../test-support/records.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { Handler } from '../../toolkit/types.ts';
import { AutoPathTrimError, createAutoPathHandler } from './handler.ts';
import { parseAutoPath } from './parse.ts';

function parseError(text: string): string {
  return thrownBy(CorefileError, () => parseAutoPath(directive(text))).message;
}

/** A chain that knows `names` (A 192.0.2.1, TTL 7), NXDOMAIN with an SOA for the rest, and notes what it was asked. */
function chain(names: Record<DomainName, 'a' | 'servfail' | 'nodata'>) {
  const asked: Query[] = [];
  const handler: Handler = (request) => {
    const { query } = request;
    asked.push(query);
    const kind = names[query.name];
    if (kind === 'servfail') return prepareReply({ rcode: RCode.SERVFAIL, flags: 0, qname: null, sections: { answer: [], authority: [], additional: [] } });
    const answer: ResourceRecord[] = kind === 'a' ? [{ name: query.name, type: RRType.A, ttl: 7, address: '192.0.2.1' }] : [];
    return prepareReply({
      rcode: kind === undefined ? RCode.NXDOMAIN : RCode.NOERROR,
      flags: HeaderFlag.AA,
      qname: query.name,
      sections: { answer, authority: kind === 'a' ? [] : [soa('cluster.local', 5, 5)], additional: [] },
    });
  };
  return { handler, asked };
}

const POD_PATH = ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local', ''];

async function ask(next: Handler, name: string, path: readonly DomainName[] | null = POD_PATH, zones: DomainName[] = ['cluster.local']) {
  const query = queryFor(name, RRType.A);
  const reply = await createAutoPathHandler(zones, () => path)(next)(requestFor(query, { server: 'dns://:5300' }));
  return { reply, message: decodeMessage(encodeResponse(query, reply, 65535)) };
}

async function successCount(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric('coredns_autopath_success_total')!.get();
  return metric.values.find((value) => value.labels.server === 'dns://:5300')?.value ?? 0;
}

describe('autopath parse', () => {
  it('reads the search list of a resolv.conf, with the bare name last', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clusterdns-autopath-'));
    try {
      const path = join(dir, 'resolv.conf');
      writeFileSync(path, 'nameserver 10.0.0.1\nsearch Default.svc.cluster.local svc.cluster.local\n');
      expect(parseAutoPath(directive(`autopath cluster.local ${path}`))).toEqual({
        zones: ['cluster.local'],
        source: { kind: 'file', search: ['default.svc.cluster.local', 'svc.cluster.local', ''] },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks the kubernetes plugin with @kubernetes, and refuses what CoreDNS refuses', () => {
    expect(parseAutoPath(directive('autopath @kubernetes'))).toEqual({ zones: null, source: { kind: 'kubernetes' } });
    expect(parseError('autopath')).toContain('no resolv-conf specified');
    expect(parseError('autopath @whoami')).toContain('whoami does not implement the AutoPather interface');
    expect(parseError('autopath /nonexistent/resolv.conf')).toContain('failed to parse "/nonexistent/resolv.conf"');
  });
});

describe('autopath handler', () => {
  it('answers from the first search domain at once when it has the name, without a CNAME', async () => {
    const next = chain({ 'myservice.default.svc.cluster.local': 'a' });
    const before = await successCount();
    const { message } = await ask(next.handler, 'myservice.default.svc.cluster.local');
    expect(next.asked).toHaveLength(1);
    expect(message.answer).toMatchObject([{ name: 'myservice.default.svc.cluster.local', type: RRType.A }]);
    expect(await successCount()).toBe(before + 1);
  });

  it('walks the path in one round trip and answers with a CNAME from the asked name to the one that resolved', async () => {
    const next = chain({ 'web.shop.svc.cluster.local': 'a' });
    const { message } = await ask(next.handler, 'web.shop.default.svc.cluster.local');
    expect(next.asked.map((query) => query.name)).toEqual(['web.shop.default.svc.cluster.local', 'web.shop.svc.cluster.local']);
    expect(message.questions[0]!.name).toBe('web.shop.default.svc.cluster.local');
    expect(message.rcode).toBe(RCode.NOERROR);
    expect(message.answer).toMatchObject([
      { name: 'web.shop.default.svc.cluster.local', type: RRType.CNAME, ttl: 7, target: 'web.shop.svc.cluster.local' },
      { name: 'web.shop.svc.cluster.local', type: RRType.A, address: '192.0.2.1' },
    ]);
  });

  it('hands each try to the chain as a query whose raw bytes ask that name', async () => {
    const next = chain({ 'example.com': 'a' });
    await ask(next.handler, 'example.com.default.svc.cluster.local');
    expect(next.asked.map((query) => query.name)).toEqual([
      'example.com.default.svc.cluster.local',
      'example.com.svc.cluster.local',
      'example.com.cluster.local',
      'example.com',
    ]);
    const last = parseQuery(next.asked[3]!.raw);
    expect(last.kind === 'query' && last.query.name).toBe('example.com');
  });

  it('returns the first NXDOMAIN, SOA and all, when every domain fails', async () => {
    const next = chain({});
    const { message } = await ask(next.handler, 'nope.default.svc.cluster.local');
    expect(next.asked).toHaveLength(4);
    expect(message).toMatchObject({ rcode: RCode.NXDOMAIN, answer: [], authority: [{ type: RRType.SOA, name: 'cluster.local' }] });
  });

  it('stops at NODATA, which is not NXDOMAIN, and goes past SERVFAIL', async () => {
    const nodata = chain({ 'db.svc.cluster.local': 'nodata', 'db.cluster.local': 'a' });
    const first = await ask(nodata.handler, 'db.default.svc.cluster.local');
    expect(first.message).toMatchObject({ rcode: RCode.NOERROR, answer: [] });
    expect(nodata.asked).toHaveLength(2);
    const failing = chain({ 'x.default.svc.cluster.local': 'servfail', 'x.svc.cluster.local': 'a' });
    expect((await ask(failing.handler, 'x.default.svc.cluster.local')).message.answer).toMatchObject([
      { type: RRType.CNAME, target: 'x.svc.cluster.local' },
      { type: RRType.A },
    ]);
  });

  it('leaves alone queries outside its zones, not under the first search domain, or without a path', async () => {
    for (const [name, path, zones] of [
      ['a.example.org', POD_PATH, ['cluster.local']],
      ['a.kube-system.svc.cluster.local', POD_PATH, ['cluster.local']],
      ['a.default.svc.cluster.local', null, ['cluster.local']],
    ] as const) {
      const next = chain({});
      await ask(next.handler, name, path, [...zones]);
      expect(next.asked.map((query) => query.name)).toEqual([name]);
    }
  });

  it('fails a query for the first search domain itself, as CoreDNS\'s TrimZone does', () => {
    const handler = createAutoPathHandler(['cluster.local'], () => POD_PATH)(chain({}).handler);
    expect(() => handler(requestFor(queryFor('default.svc.cluster.local', RRType.A)))).toThrow(AutoPathTrimError);
  });

  it('puts a CNAME in front of a CNAME chain from the first domain too, as CoreDNS\'s cnamer does', async () => {
    const next: Handler = (request) =>
      prepareReply({
        rcode: RCode.NOERROR,
        flags: HeaderFlag.AA,
        qname: request.query.name,
        sections: {
          answer: [
            { name: request.query.name, type: RRType.CNAME, ttl: 30, target: 'db.data.svc.cluster.local' },
            { name: 'db.data.svc.cluster.local', type: RRType.A, ttl: 9, address: '192.0.2.3' },
          ],
          authority: [],
          additional: [],
        },
      });
    const { message } = await ask(next, 'ext.default.svc.cluster.local');
    expect(message.answer.map((record) => [record.name, record.type, 'ttl' in record ? record.ttl : 0])).toEqual([
      ['ext.default.svc.cluster.local', RRType.CNAME, 9],
      ['ext.default.svc.cluster.local', RRType.CNAME, 30],
      ['db.data.svc.cluster.local', RRType.A, 9],
    ]);
  });

  it('waits for handlers that answer later', async () => {
    const sync = chain({ 'late.svc.cluster.local': 'a' });
    const next: Handler = (request) => new Promise<Reply>((resolve) => setImmediate(() => resolve(sync.handler(request) as Reply)));
    const { message } = await ask(next, 'late.default.svc.cluster.local');
    expect(message.answer.map((record) => record.type)).toEqual([RRType.CNAME, RRType.A]);
  });
});
