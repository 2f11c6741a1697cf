import packet from 'dns-packet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClusterStore, type ClusterStore } from '../../cluster/store.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Reply } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { answerOptions, endpoint, fixtureCluster, pod, service, slice } from '../../test-support/kubernetes.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { createKubernetesHandler } from './handler.ts';
import { AnswerMemo } from './memo.ts';
import type { AnswerOptions } from './options.ts';

/** dns-packet's decoded message, with the fields its typings leave out. */
interface Decoded {
  readonly id: number;
  readonly rcode: string;
  readonly flag_aa: boolean;
  readonly flag_ra: boolean;
  readonly answers: readonly { name: string; type: string; ttl: number; data: unknown }[];
  readonly authorities: readonly { name: string; type: string; ttl: number; data: unknown }[];
  readonly additionals: readonly { name: string; type: string; ttl: number; data: unknown }[];
}

const decode = (wire: Buffer) => packet.decode(wire) as unknown as Decoded;

/** What the next plugin answers: REFUSED, so a test can tell it from anything kubernetes says. */
const NEXT_RCODE = RCode.REFUSED;

function setup(store: ClusterStore = fixtureCluster(), options: AnswerOptions = answerOptions()) {
  const next = vi.fn<Handler>(() => emptyReply(NEXT_RCODE));
  const kubernetes = createKubernetesHandler(store, options, silentLogger);
  const handler = kubernetes.factory(next);
  const ask = (name: string, type: number = RRType.A) => {
    const query = queryFor(name, type, { id: 7 });
    const reply = handler(requestFor(query)) as Reply;
    const raw = encodeResponse(query, reply, 65535);
    return { reply, message: decode(raw), raw };
  };
  return { store, next, ask, close: kubernetes.close, useLocalIPs: kubernetes.useLocalIPs };
}

const addresses = (message: Decoded) => message.answers.map((r) => r.data);

afterEach(() => {
  vi.useRealTimers();
});

describe('kubernetes handler on the wire', () => {
  it('answers authoritatively with the owner name pointing at the question', () => {
    const { ask } = setup();
    const { message, raw, reply } = ask('svc1.testns.svc.cluster.local');
    expect(message).toMatchObject({ id: 7, rcode: 'NOERROR', flag_aa: true, flag_ra: false });
    expect(message.answers).toEqual([expect.objectContaining({ name: 'svc1.testns.svc.cluster.local', type: 'A', ttl: 5, data: '10.0.0.1' })]);
    expect(reply.body.subarray(0, 2)).toEqual(Buffer.from([0xc0, 0x0c]));
    expect(raw.length).toBe(12 + 'svc1.testns.svc.cluster.local'.length + 2 + 4 + 2 + 10 + 4);
  });

  it('keeps the asker’s case in the answer through the pointer', () => {
    const { ask } = setup();
    const { message } = ask('SvC1.TeStNs.SvC.cLuStEr.LoCaL');
    expect(message.answers[0]?.name).toBe('SvC1.TeStNs.SvC.cLuStEr.LoCaL');
  });

  it('puts SRV targets uncompressed and their addresses in the additional section', () => {
    const { ask } = setup();
    const { message } = ask('_http._tcp.svc1.testns.svc.cluster.local', RRType.SRV);
    expect(message.answers).toEqual([
      expect.objectContaining({ type: 'SRV', data: { priority: 0, weight: 100, port: 80, target: 'svc1.testns.svc.cluster.local' } }),
    ]);
    expect(message.additionals).toEqual([expect.objectContaining({ name: 'svc1.testns.svc.cluster.local', type: 'A', data: '10.0.0.1' })]);
  });

  it('answers ns.dns.ZONE from the local addresses it is given later, forgetting the answer it made before', () => {
    const { ask, useLocalIPs } = setup(fixtureCluster(), answerOptions({ localIPs: ['192.0.2.53'] }));
    expect(addresses(ask('ns.dns.cluster.local').message)).toEqual(['192.0.2.53']);
    useLocalIPs(['127.0.0.1']);
    expect(addresses(ask('ns.dns.cluster.local').message)).toEqual(['127.0.0.1']);
  });

  it('shares one SOA-only reply per zone for NXDOMAIN and one for NODATA', () => {
    const { ask, store } = setup();
    const first = ask('svc0.testns.svc.cluster.local');
    const second = ask('other.testns.svc.cluster.local', RRType.AAAA);
    expect(first.reply).toBe(second.reply);
    expect(first.reply.qname).toBeNull();
    expect(first.message).toMatchObject({ rcode: 'NXDOMAIN', flag_aa: true, answers: [] });
    expect(first.message.authorities).toEqual([
      expect.objectContaining({
        name: 'cluster.local',
        type: 'SOA',
        ttl: 5,
        data: expect.objectContaining({
          mname: 'ns.dns.cluster.local',
          rname: 'hostmaster.cluster.local',
          serial: store.modified,
          refresh: 7200,
          retry: 1800,
          expire: 86400,
          minimum: 5,
        }),
      }),
    ]);
    const nodata = ask('svc1.testns.svc.cluster.local', RRType.AAAA);
    expect(nodata.message).toMatchObject({ rcode: 'NOERROR', answers: [], authorities: [expect.objectContaining({ type: 'SOA' })] });
    expect(nodata.reply).toBe(ask('testns.svc.cluster.local').reply);
    expect(nodata.reply).not.toBe(first.reply);
  });

  it('refuses zone transfers without authority', () => {
    const { ask } = setup();
    expect(ask('cluster.local', RRType.AXFR).message).toMatchObject({ rcode: 'REFUSED', flag_aa: false });
  });

  it('hands names outside its zones to the next plugin', () => {
    const { ask, next } = setup();
    expect(ask('example.org').reply.rcode).toBe(NEXT_RCODE);
    expect(next).toHaveBeenCalledTimes(1);
  });

  it('hands name errors in fallthrough zones to the next plugin, every time', () => {
    const { ask, next } = setup(fixtureCluster(), answerOptions({ zones: ['cluster.local', 'in-addr.arpa'], fallthrough: ['in-addr.arpa'] }));
    expect(ask('99.0.0.10.in-addr.arpa', RRType.PTR).reply.rcode).toBe(NEXT_RCODE);
    expect(ask('99.0.0.10.in-addr.arpa', RRType.PTR).reply.rcode).toBe(NEXT_RCODE);
    expect(next).toHaveBeenCalledTimes(2);
    expect(ask('svc0.testns.svc.cluster.local').message.rcode).toBe('NXDOMAIN');
    expect(addresses(ask('1.0.0.10.in-addr.arpa', RRType.PTR).message)).toEqual(['svc1.testns.svc.cluster.local']);
  });
});

describe('before the first sync', () => {
  it('answers SERVFAIL with the SOA in its zones, falls through in fallthrough zones, and passes the rest on', () => {
    const store = createClusterStore();
    store.replace({ services: [service('testns', 'svc1', { clusterIPs: ['10.0.0.1'] })], namespaces: [{ name: 'testns', labels: {} }] });
    const { ask, next } = setup(store, answerOptions({ zones: ['cluster.local', 'in-addr.arpa'], fallthrough: ['in-addr.arpa'] }));
    const early = ask('svc1.testns.svc.cluster.local');
    expect(early.message).toMatchObject({ rcode: 'SERVFAIL', flag_aa: true, authorities: [expect.objectContaining({ type: 'SOA' })] });
    expect(ask('1.0.0.10.in-addr.arpa', RRType.PTR).reply.rcode).toBe(NEXT_RCODE);
    expect(ask('example.org').reply.rcode).toBe(NEXT_RCODE);
    expect(next).toHaveBeenCalledTimes(2);
    store.markSynced();
    expect(addresses(ask('svc1.testns.svc.cluster.local').message)).toEqual(['10.0.0.1']);
  });
});

describe('memoized answers follow the store', () => {
  it('serve the same Reply until the service changes, then the new answer', () => {
    const { ask, store } = setup();
    const first = ask('svc1.testns.svc.cluster.local').reply;
    expect(ask('svc1.testns.svc.cluster.local').reply).toBe(first);
    store.upsert('service', service('testns', 'unrelated', { clusterIPs: ['10.0.9.9'] }));
    expect(ask('svc1.testns.svc.cluster.local').reply).toBe(first);
    store.upsert('service', { ...store.service('testns', 'svc1')!, clusterIPs: ['10.0.0.99'] });
    expect(addresses(ask('svc1.testns.svc.cluster.local').message)).toEqual(['10.0.0.99']);
    store.remove('service', 'testns/svc1');
    expect(ask('svc1.testns.svc.cluster.local').message.rcode).toBe('NXDOMAIN');
  });

  it('answer a name that was NXDOMAIN once the service appears', () => {
    const { ask, store } = setup();
    expect(ask('late.testns.svc.cluster.local').message.rcode).toBe('NXDOMAIN');
    store.upsert('service', service('testns', 'late', { clusterIPs: ['10.0.1.1'] }));
    expect(addresses(ask('late.testns.svc.cluster.local').message)).toEqual(['10.0.1.1']);
  });

  it('follow EndpointSlice changes of headless services, endpoint names and SRV', () => {
    const { ask, store } = setup();
    expect(addresses(ask('hdlsprtls.testns.svc.cluster.local').message)).toEqual(['172.0.0.20']);
    expect(ask('172-0-0-21.hdlsprtls.testns.svc.cluster.local').message.rcode).toBe('NXDOMAIN');
    store.upsert('endpointslice', slice('testns', 'hdlsprtls-b', 'hdlsprtls', [endpoint('172.0.0.21')], { ports: [] }));
    expect(addresses(ask('hdlsprtls.testns.svc.cluster.local').message).sort()).toEqual(['172.0.0.20', '172.0.0.21']);
    expect(addresses(ask('172-0-0-21.hdlsprtls.testns.svc.cluster.local').message)).toEqual(['172.0.0.21']);
    store.remove('endpointslice', 'testns/hdlsprtls-a');
    expect(addresses(ask('hdlsprtls.testns.svc.cluster.local').message)).toEqual(['172.0.0.21']);
  });

  it('follow an ExternalName target inside the zone', () => {
    const { ask, store } = setup();
    expect(addresses(ask('external-to-service.testns.svc.cluster.local').message)).toEqual(['svc1.testns.svc.cluster.local', '10.0.0.1']);
    store.upsert('service', { ...store.service('testns', 'svc1')!, clusterIPs: ['10.0.0.42'] });
    expect(addresses(ask('external-to-service.testns.svc.cluster.local').message)).toEqual(['svc1.testns.svc.cluster.local', '10.0.0.42']);
  });

  it('follow PTR answers when a cluster IP moves', () => {
    const { ask, store } = setup(fixtureCluster(), answerOptions({ zones: ['cluster.local', 'in-addr.arpa'] }));
    expect(addresses(ask('1.0.0.10.in-addr.arpa', RRType.PTR).message)).toEqual(['svc1.testns.svc.cluster.local']);
    store.upsert('service', { ...store.service('testns', 'svc1')!, clusterIPs: ['10.0.0.42'] });
    expect(ask('1.0.0.10.in-addr.arpa', RRType.PTR).message.rcode).toBe('NXDOMAIN');
    expect(addresses(ask('42.0.0.10.in-addr.arpa', RRType.PTR).message)).toEqual(['svc1.testns.svc.cluster.local']);
  });

  it('follow pods in verified mode', () => {
    const { ask, store } = setup(fixtureCluster(), answerOptions({ pods: 'verified' }));
    expect(ask('10-240-0-9.podns.pod.cluster.local').message.rcode).toBe('NXDOMAIN');
    store.upsert('pod', pod('podns', 'new', ['10.240.0.9']));
    expect(addresses(ask('10-240-0-9.podns.pod.cluster.local').message)).toEqual(['10.240.0.9']);
    store.remove('pod', 'podns/new');
    expect(ask('10-240-0-9.podns.pod.cluster.local').message.rcode).toBe('NXDOMAIN');
  });

  it('drop everything when namespaces change', () => {
    const { ask, store } = setup();
    expect(addresses(ask('svc1.testns.svc.cluster.local').message)).toEqual(['10.0.0.1']);
    store.remove('namespace', 'testns');
    expect(ask('svc1.testns.svc.cluster.local').message.rcode).toBe('NXDOMAIN');
    store.upsert('namespace', { name: 'testns', labels: {} });
    expect(addresses(ask('svc1.testns.svc.cluster.local').message)).toEqual(['10.0.0.1']);
  });

  it('give negative answers the serial of the latest change, and the apex SOA too', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const { ask, store } = setup();
    const serialOf = (r: ReturnType<typeof ask>) => (r.message.authorities[0] ?? r.message.answers[0])?.data as { serial: number };
    const before = store.modified;
    expect(serialOf(ask('svc0.testns.svc.cluster.local')).serial).toBe(before);
    expect(serialOf(ask('cluster.local', RRType.SOA)).serial).toBe(before);
    vi.setSystemTime(new Date('2030-01-01T00:01:00Z'));
    store.upsert('service', service('testns', 'unrelated', { clusterIPs: ['10.0.9.9'] }));
    expect(store.modified).toBe(before + 60);
    expect(serialOf(ask('svc0.testns.svc.cluster.local')).serial).toBe(before + 60);
    expect(serialOf(ask('cluster.local', RRType.SOA)).serial).toBe(before + 60);
  });

  it('stop following the store once closed', () => {
    const { ask, store, close } = setup();
    const first = ask('svc1.testns.svc.cluster.local').reply;
    close();
    store.upsert('service', { ...store.service('testns', 'svc1')!, clusterIPs: ['10.0.0.99'] });
    expect(ask('svc1.testns.svc.cluster.local').reply).toBe(first);
  });
});

describe('AnswerMemo', () => {
  const outcome = { kind: 'fallthrough' } as const;

  it('empties itself when full', () => {
    const memo = new AnswerMemo(silentLogger, { entries: 2, bytes: 2 ** 20 });
    memo.set(1, 'a', outcome, ['x']);
    memo.set(1, 'b', outcome, ['x']);
    expect(memo.size).toBe(2);
    memo.set(1, 'c', outcome, ['x']);
    expect(memo.size).toBe(1);
    expect(memo.get(1, 'a')).toBeUndefined();
    expect(memo.get(1, 'c')).toBe(outcome);
  });

  it('empties itself when its entries would hold more than its bytes, and counts what dropping frees', () => {
    const memo = new AnswerMemo(silentLogger, { entries: 1000, bytes: 1200 });
    for (const name of ['a', 'b', 'c']) memo.set(1, name, outcome, ['x']);
    expect(memo.size).toBe(3);
    expect(memo.bytes).toBeGreaterThan(900);
    memo.set(1, 'd', outcome, ['y']);
    expect(memo.size).toBe(1);
    expect(memo.get(1, 'a')).toBeUndefined();
    memo.set(1, 'e', outcome, ['x']);
    memo.invalidate('y');
    expect(memo.size).toBe(1);
    memo.invalidate('x');
    expect(memo.size).toBe(0);
    expect(memo.bytes).toBe(0);
  });

  it('counts the slabs its replies are kept in, and lets them go when it empties', () => {
    const memo = new AnswerMemo(silentLogger, { entries: 1000, bytes: 64 * 1024 });
    const record = { type: RRType.A, name: 'a.ns.svc.cluster.local', ttl: 5, address: '10.0.0.1' } as const;
    const reply = prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: record.name, sections: { answer: [record], authority: [], additional: [] } }, memo.arena);
    memo.set(RRType.A, record.name, { kind: 'reply', reply }, ['x']);
    expect(memo.arena.allocatedBytes).toBeGreaterThanOrEqual(reply.body.length);
    expect(memo.bytes).toBeGreaterThan(memo.arena.allocatedBytes);
    expect(reply.body.buffer).toBe(reply.ttlOffsets.buffer);
    memo.clear();
    expect(memo.bytes).toBe(0);
  });

  it('drops exactly the entries of an invalidated key, and replaced entries only once', () => {
    const memo = new AnswerMemo(silentLogger);
    memo.set(1, 'a', outcome, ['x', 'y']);
    memo.set(28, 'a', outcome, ['y']);
    memo.set(1, 'b', outcome, ['z']);
    memo.set(1, 'b', outcome, ['x']);
    expect(memo.size).toBe(3);
    memo.invalidate('x');
    expect([memo.get(1, 'a'), memo.get(28, 'a'), memo.get(1, 'b')]).toEqual([undefined, outcome, undefined]);
    expect(memo.size).toBe(1);
    memo.invalidate('z');
    memo.invalidate('y');
    expect(memo.size).toBe(0);
  });
});
