import { describe, expect, it } from 'vitest';
import { parseSelector } from '../../cluster/selector.ts';
import type { ClusterView } from '../../cluster/types.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { answerOptions, fixtureCluster, presentAll } from '../../test-support/kubernetes.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { answer, FALLTHROUGH } from './answer.ts';
import type { AnswerOptions } from './options.ts';

interface Case {
  readonly qname: string;
  readonly qtype: keyof typeof RRType;
  readonly rcode: keyof typeof RCode;
  /** In every section, `SOA` stands for the zone's SOA record. */
  readonly answer?: string[];
  readonly ns?: string[];
  readonly extra?: string[];
}

const SOA = 'SOA';

function soaText(view: ClusterView, zone: string, ttl = 5): string {
  const under = (label: string) => (zone === '' ? `${label}.` : `${label}.${zone}.`);
  return `${zone}. ${Math.min(ttl, 300)} IN SOA ${under('ns.dns')} ${under('hostmaster')} ${view.modified} 7200 1800 86400 ${ttl}`;
}

function run(view: ClusterView, options: AnswerOptions, c: Case) {
  const qname = c.qname.replace(/\.$/, '').toLowerCase();
  const zone = matchZone(options.zones, qname);
  if (zone === null) throw new Error(`${qname} is in none of the zones`);
  return { result: answer(view, options, qname, RRType[c.qtype], zone), zone };
}

function check(view: ClusterView, options: AnswerOptions, c: Case): void {
  const { result, zone } = run(view, options, c);
  if (result === FALLTHROUGH) throw new Error(`${c.qname} fell through`);
  const withSoa = (records: string[] = []) => records.map((r) => (r === SOA ? soaText(view, zone, options.ttl) : r)).sort();
  const expected = { rcode: RCode[c.rcode], answer: withSoa(c.answer), ns: withSoa(c.ns), extra: withSoa(c.extra) };
  expect({
    rcode: result.rcode,
    answer: presentAll(result.sections.answer),
    ns: presentAll(result.sections.authority),
    extra: presentAll(result.sections.additional),
  }).toEqual(expected);
  expect(result.authoritative).toBe(c.rcode !== 'REFUSED');
}

function table(name: string, cases: Case[], options: AnswerOptions) {
  describe(name, () => {
    const view = fixtureCluster();
    it.each(cases.map((c) => [`${c.qtype} ${c.qname} -> ${c.rcode}`, c] as const))('%s', (_, c) => check(view, options, c));
  });
}

const nx = (qname: string, qtype: Case['qtype'] = 'A'): Case => ({ qname, qtype, rcode: 'NXDOMAIN', ns: [SOA] });
const nodata = (qname: string, qtype: Case['qtype'] = 'A'): Case => ({ qname, qtype, rcode: 'NOERROR', ns: [SOA] });

// The cases of CoreDNS's handler_test.go (commonDnsTestCases and dnsTestCases), over this fixture.
table(
  'CoreDNS handler table (namespaces testns)',
  [
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
    { qname: 'svcempty.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.5'] },
    {
      qname: 'svc1.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'],
      extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'],
    },
    {
      qname: 'svc6.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'],
      extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'],
    },
    {
      qname: '_http._tcp.svc1.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.'],
      extra: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'],
    },
    {
      qname: '_http._tcp.svcempty.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['_http._tcp.svcempty.testns.svc.cluster.local. 5 IN SRV 0 100 80 svcempty.testns.svc.cluster.local.'],
      extra: ['svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.5'],
    },
    {
      qname: 'hdls1.testns.svc.cluster.local.',
      qtype: 'A',
      rcode: 'NOERROR',
      answer: ['172.0.0.2', '172.0.0.3', '172.0.0.4', '172.0.0.5'].map((ip) => `hdls1.testns.svc.cluster.local. 5 IN A ${ip}`),
    },
    { qname: 'hdlsprtls.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'] },
    nodata('svc1.testns.svc.cluster.local.', 'AAAA'),
    nx('svc0.testns.svc.cluster.local.', 'AAAA'),
    nx('svc0.testns.svc.cluster.local.'),
    nx('svc0.svc-nons.svc.cluster.local.'),
    { qname: 'dns-version.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
    nodata('svc1.testns.svc.cluster.local.', 'TXT'),
    nx('svc0.svc-nons.svc.cluster.local.', 'TXT'),
    nx('bogusendpoint.hdls1.testns.svc.cluster.local.'),
    nx('bogusendpoint.svc0.testns.svc.cluster.local.'),
    { qname: 'svc6.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'] },
    {
      qname: '_http._tcp.svc6.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['_http._tcp.svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local.'],
      extra: ['svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1'],
    },
    {
      qname: 'hdls1.testns.svc.cluster.local.',
      qtype: 'AAAA',
      rcode: 'NOERROR',
      answer: ['hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1', 'hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'],
    },
    nodata('svc.cluster.local.'),
    nodata('pod.cluster.local.'),
    nodata('testns.svc.cluster.local.'),
    nodata('svc.cluster.local.', 'NS'),
    nodata('testns.svc.cluster.local.', 'NS'),
    nx('foo.cluster.local.', 'NS'),
    nx('foo.svc.cluster.local.', 'NS'),
    { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3'] },
    { qname: 'svc-dual-stack.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'] },
    {
      qname: 'svc-dual-stack.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['svc-dual-stack.testns.svc.cluster.local. 5 IN SRV 0 50 80 svc-dual-stack.testns.svc.cluster.local.'],
      extra: ['svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3', 'svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3'],
    },
    nodata('svc1.testns.svc.cluster.local.', 'SOA'),
    nx('endpoint.external.testns.svc.cluster.local.', 'CNAME'),
    nx('subdomain.subdomain.external.testns.svc.cluster.local.', 'CNAME'),
    {
      qname: '_http._tcp.hdls1.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['172-0-0-2', '172-0-0-3', '5678-abcd--1', '5678-abcd--2', 'dup-name'].map(
        (host) => `_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 ${host}.hdls1.testns.svc.cluster.local.`,
      ),
      extra: [
        '172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2',
        '172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3',
        '5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1',
        '5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2',
        'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4',
        'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5',
      ],
    },
    {
      qname: '5678-abcd--2.hdls1.testns.svc.cluster.local',
      qtype: 'AAAA',
      rcode: 'NOERROR',
      answer: ['5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'],
    },
    {
      qname: '172-0-0-20.hdlsprtls.testns.svc.cluster.local.',
      qtype: 'A',
      rcode: 'NOERROR',
      answer: ['172-0-0-20.hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'],
    },
    { qname: '172-0-0-2.hdls1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2'] },
    {
      qname: 'dup-name.hdls1.testns.svc.cluster.local.',
      qtype: 'A',
      rcode: 'NOERROR',
      answer: ['dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4', 'dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5'],
    },
    {
      qname: 'external.testns.svc.cluster.local.',
      qtype: 'CNAME',
      rcode: 'NOERROR',
      answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'],
    },
    {
      qname: 'external-to-service.testns.svc.cluster.local',
      qtype: 'A',
      rcode: 'NOERROR',
      answer: [
        'external-to-service.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.',
        'svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1',
      ],
    },
  ],
  answerOptions({ namespaces: new Set(['testns']) }),
);

table(
  'beyond the CoreDNS table',
  [
    // Out-of-zone ExternalName targets: the CNAME alone (CoreDNS would also resolve the target).
    { qname: 'external.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
    { qname: 'external.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
    nodata('external-to-missing.testns.svc.cluster.local.'),
    nx('external-ip.testns.svc.cluster.local.'),
    nodata('external.testns.svc.cluster.local.', 'SRV'),
    nodata('external.testns.svc.cluster.local.', 'TXT'),
    nodata('svc1.testns.svc.cluster.local.', 'CNAME'),
    nx('_http._tcp.external.testns.svc.cluster.local.', 'SRV'),
    // An endpoint name resolves under a ClusterIP service too.
    { qname: 'ep1a.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ep1a.svc1.testns.svc.cluster.local. 5 IN A 172.0.0.1'] },
    // Port and protocol labels select ports for every type, not just SRV.
    { qname: '_http._tcp.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['_http._tcp.svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
    nx('_http._udp.svc1.testns.svc.cluster.local.', 'SRV'),
    nx('a.b.c.svc1.testns.svc.cluster.local.'),
    nx('172-0-0-9.hdls1.testns.svc.cluster.local.'),
    nx('hdlsnone.testns.svc.cluster.local.'),
    nx('dns-version.cluster.local.'),
    nx('something.cluster.local.'),
    // TXT answers NXDOMAIN for every name without records, the apex included: CoreDNS does.
    nx('cluster.local.', 'TXT'),
    nx('testns.svc.cluster.local.', 'TXT'),
    nodata('svc1.testns.svc.cluster.local.', 'MX'),
    nx('svc0.testns.svc.cluster.local.', 'MX'),
    nodata('svc1.testns.svc.cluster.local.', 'HINFO'),
    nx('svc0.testns.svc.cluster.local.', 'HINFO'),
    nodata('svc0.testns.svc.cluster.local.', 'SOA'),
    // No wildcard support in CoreDNS 1.14: `*` and `any` are names like any other.
    nx('*.testns.svc.cluster.local.'),
    nx('any.testns.svc.cluster.local.'),
    nx('svc1.*.svc.cluster.local.'),
    {
      qname: 'multiport.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: [53, 80, 443].map((port) => `multiport.testns.svc.cluster.local. 5 IN SRV 0 33 ${port} multiport.testns.svc.cluster.local.`),
      extra: ['multiport.testns.svc.cluster.local. 5 IN A 10.0.0.6'],
    },
    {
      qname: '_https._tcp.multiport.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['_https._tcp.multiport.testns.svc.cluster.local. 5 IN SRV 0 100 443 multiport.testns.svc.cluster.local.'],
      extra: ['multiport.testns.svc.cluster.local. 5 IN A 10.0.0.6'],
    },
    {
      qname: '_DNS._UDP.multiport.testns.svc.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['_dns._udp.multiport.testns.svc.cluster.local. 5 IN SRV 0 100 53 multiport.testns.svc.cluster.local.'],
      extra: ['multiport.testns.svc.cluster.local. 5 IN A 10.0.0.6'],
    },
    { qname: 'multiport.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['multiport.testns.svc.cluster.local. 5 IN A 10.0.0.6'] },
    { qname: 'portless.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['portless.testns.svc.cluster.local. 5 IN A 10.0.0.7'] },
    nodata('portless.testns.svc.cluster.local.', 'SRV'),
    nodata('hdlsprtls.testns.svc.cluster.local.', 'SRV'),
    { qname: 'cluster.local.', qtype: 'AXFR', rcode: 'REFUSED' },
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'IXFR', rcode: 'REFUSED' },
  ],
  answerOptions(),
);

// kubernetes_apex_test.go, with 127.0.0.1 as the bound address.
table(
  'apex',
  [
    { qname: 'cluster.local.', qtype: 'SOA', rcode: 'NOERROR', answer: [SOA] },
    nodata('cluster.local.', 'HINFO'),
    {
      qname: 'cluster.local.',
      qtype: 'NS',
      rcode: 'NOERROR',
      answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'],
      extra: ['ns.dns.cluster.local. 5 IN A 127.0.0.1'],
    },
    nodata('cluster.local.'),
    nodata('cluster.local.', 'AAAA'),
    nodata('cluster.local.', 'SRV'),
    { qname: 'ns.dns.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 127.0.0.1'] },
    nodata('ns.dns.cluster.local.', 'AAAA'),
    nodata('ns.dns.cluster.local.', 'SRV'),
  ],
  answerOptions({ localIPs: ['127.0.0.1'] }),
);

describe('apex SOA', () => {
  it('answers the SOA with the store serial, the TTL capped at 300 and minimum = ttl', () => {
    const view = fixtureCluster();
    for (const ttl of [5, 600]) {
      const result = answer(view, answerOptions({ ttl }), 'cluster.local', RRType.SOA, 'cluster.local');
      if (result === FALLTHROUGH) throw new Error('fell through');
      expect(presentAll(result.sections.answer)).toEqual([soaText(view, 'cluster.local', ttl)]);
      expect(result.sections.authority).toEqual([]);
    }
  });
});

table(
  'NS names its own service when a local address is one of its endpoints',
  [
    {
      qname: 'cluster.local.',
      qtype: 'NS',
      rcode: 'NOERROR',
      answer: ['cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local.'],
      extra: ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.0.0.10'],
    },
    { qname: 'ns.dns.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 10.0.0.10'] },
  ],
  answerOptions({ localIPs: ['172.0.0.100', '192.0.2.1'] }),
);

table(
  'headless service as its own nameserver names each endpoint',
  [
    {
      qname: 'cluster.local.',
      qtype: 'NS',
      rcode: 'NOERROR',
      answer: ['cluster.local. 5 IN NS 172-0-0-20.hdlsprtls.testns.svc.cluster.local.'],
      extra: ['172-0-0-20.hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20'],
    },
  ],
  answerOptions({ localIPs: ['172.0.0.20'] }),
);

table('NS without local addresses is NODATA', [nodata('cluster.local.', 'NS'), nodata('ns.dns.cluster.local.')], answerOptions());

table(
  'pods disabled',
  [nx('10-240-0-1.podns.pod.cluster.local.'), nx('172-0-0-2.podns.pod.cluster.local.'), nx('podns.pod.cluster.local.')],
  answerOptions({ pods: 'disabled' }),
);

table(
  'pods insecure',
  [
    { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] },
    { qname: '172-0-0-2.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['172-0-0-2.podns.pod.cluster.local. 5 IN A 172.0.0.2'] },
    nx('blah.podns.pod.cluster.local.'),
    nx('blah.podns.pod.cluster.local.', 'AAAA'),
    nx('blah.podns.pod.cluster.local.', 'HINFO'),
    nx('blah.pod-nons.pod.cluster.local.'),
    nodata('podns.pod.cluster.local.'),
    nodata('10-240-0-1.podns.pod.cluster.local.', 'AAAA'),
    { qname: 'fd00--1.podns.pod.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['fd00--1.podns.pod.cluster.local. 5 IN AAAA fd00::1'] },
    { qname: 'x.10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['x.10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] },
    {
      qname: '10-240-0-1.podns.pod.cluster.local.',
      qtype: 'SRV',
      rcode: 'NOERROR',
      answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN SRV 0 100 0 10-240-0-1.podns.pod.cluster.local.'],
      extra: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'],
    },
    nx('256-0-0-1.podns.pod.cluster.local.'),
  ],
  answerOptions({ pods: 'insecure' }),
);

table(
  'pods verified',
  [
    { qname: '10-240-0-1.podns.pod.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['10-240-0-1.podns.pod.cluster.local. 5 IN A 10.240.0.1'] },
    nodata('podns.pod.cluster.local.'),
    nodata('testns.svc.cluster.local.'),
    nx('pod-nons.pod.cluster.local.'),
    nx('172-0-0-2.podns.pod.cluster.local.'),
    nx('10-240-0-1.testns.pod.cluster.local.'),
    // Only status.podIP is indexed by CoreDNS: a pod's second address does not verify.
    nx('fd00--1.podns.pod.cluster.local.', 'AAAA'),
    nx('10-240-0-2.podns.pod.cluster.local.'),
    nx('10-240-0-3.podns.pod.cluster.local.'),
  ],
  answerOptions({ pods: 'verified' }),
);

const reverseZones = ['cluster.local', 'in-addr.arpa', 'ip6.arpa'];
const v6Reverse = (ip: string) =>
  ip
    .split(':')
    .map((group) => group.padStart(4, '0'))
    .join('')
    .split('')
    .reverse()
    .join('.') + '.ip6.arpa.';

table(
  'reverse',
  [
    { qname: '1.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] },
    { qname: '3.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['3.0.0.10.in-addr.arpa. 5 IN PTR svc-dual-stack.testns.svc.cluster.local.'] },
    {
      qname: v6Reverse('1234:abcd:0:0:0:0:0:1'),
      qtype: 'PTR',
      rcode: 'NOERROR',
      answer: [`${v6Reverse('1234:abcd:0:0:0:0:0:1')} 5 IN PTR svc6.testns.svc.cluster.local.`],
    },
    { qname: '2.0.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['2.0.0.172.in-addr.arpa. 5 IN PTR 172-0-0-2.hdls1.testns.svc.cluster.local.'] },
    { qname: '4.0.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['4.0.0.172.in-addr.arpa. 5 IN PTR dup-name.hdls1.testns.svc.cluster.local.'] },
    { qname: '1.0.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.172.in-addr.arpa. 5 IN PTR ep1a.svc1.testns.svc.cluster.local.'] },
    {
      qname: v6Reverse('5678:abcd:0:0:0:0:0:2'),
      qtype: 'PTR',
      rcode: 'NOERROR',
      answer: [`${v6Reverse('5678:abcd:0:0:0:0:0:2')} 5 IN PTR 5678-abcd--2.hdls1.testns.svc.cluster.local.`],
    },
    nx('9.0.0.172.in-addr.arpa.', 'PTR'),
    nx('99.0.0.10.in-addr.arpa.', 'PTR'),
    nx('10.in-addr.arpa.', 'PTR'),
    nx('1.0.0.10.in-addr.arpa.'),
    nodata('in-addr.arpa.', 'PTR'),
    nodata('svc1.testns.svc.cluster.local.', 'PTR'),
    nx('svc0.testns.svc.cluster.local.', 'PTR'),
    { qname: 'dns-version.in-addr.arpa.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.in-addr.arpa. 28800 IN TXT "1.1.0"'] },
  ],
  answerOptions({ zones: reverseZones }),
);

table(
  'endpoint_pod_names',
  [
    {
      qname: 'hdls1-pod-3.hdls1.testns.svc.cluster.local.',
      qtype: 'A',
      rcode: 'NOERROR',
      answer: ['hdls1-pod-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3'],
    },
    nx('172-0-0-3.hdls1.testns.svc.cluster.local.'),
    // A hostname still wins over the pod name.
    { qname: 'ep1a.svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['ep1a.svc1.testns.svc.cluster.local. 5 IN A 172.0.0.1'] },
    { qname: '3.0.0.172.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['3.0.0.172.in-addr.arpa. 5 IN PTR hdls1-pod-3.hdls1.testns.svc.cluster.local.'] },
  ],
  answerOptions({ zones: reverseZones, endpointPodNames: true }),
);

table(
  'ttl 30',
  [
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 30 IN A 10.0.0.1'] },
    nx('svc0.testns.svc.cluster.local.'),
    { qname: 'dns-version.cluster.local.', qtype: 'TXT', rcode: 'NOERROR', answer: ['dns-version.cluster.local. 28800 IN TXT "1.1.0"'] },
  ],
  answerOptions({ ttl: 30 }),
);

table(
  'ttl 600 caps the SOA TTL at 300',
  [nx('svc0.testns.svc.cluster.local.')],
  answerOptions({ ttl: 600 }),
);

table(
  'labels tier=web',
  [
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
    nx('svcempty.testns.svc.cluster.local.'),
    nx('hdls1.testns.svc.cluster.local.'),
    // The slice of svc1 lacks the label: its endpoint is hidden even though the service is not.
    nx('ep1a.svc1.testns.svc.cluster.local.'),
    nx('5.0.0.10.in-addr.arpa.', 'PTR'),
    { qname: '1.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] },
  ],
  answerOptions({ zones: reverseZones, labels: parseSelector('tier=web') }),
);

table(
  'namespace_labels team=dns',
  [
    { qname: 'svc2.labelled.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc2.labelled.svc.cluster.local. 5 IN A 10.0.0.8'] },
    nodata('labelled.svc.cluster.local.'),
    nx('svc1.testns.svc.cluster.local.'),
    nx('testns.svc.cluster.local.'),
    // Like CoreDNS, only `namespaces` hides reverse answers.
    { qname: '1.0.0.10.in-addr.arpa.', qtype: 'PTR', rcode: 'NOERROR', answer: ['1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local.'] },
  ],
  answerOptions({ zones: reverseZones, namespaceLabels: parseSelector('team=dns') }),
);

table(
  'namespaces testns hides other namespaces in reverse answers too',
  [nx('2.0.0.10.in-addr.arpa.', 'PTR'), nx('svc1.unexposedns.svc.cluster.local.')],
  answerOptions({ zones: reverseZones, namespaces: new Set(['testns']) }),
);

table(
  'noendpoints',
  [
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
    nx('hdls1.testns.svc.cluster.local.'),
    nx('ep1a.svc1.testns.svc.cluster.local.'),
    nx('2.0.0.172.in-addr.arpa.', 'PTR'),
  ],
  answerOptions({ zones: reverseZones, noEndpoints: true }),
);

table(
  'ignore empty_service',
  [
    nx('svcempty.testns.svc.cluster.local.'),
    nx('portless.testns.svc.cluster.local.'),
    { qname: 'svc1.testns.svc.cluster.local.', qtype: 'A', rcode: 'NOERROR', answer: ['svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1'] },
    { qname: 'external.testns.svc.cluster.local.', qtype: 'CNAME', rcode: 'NOERROR', answer: ['external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.'] },
    { qname: 'hdls1.testns.svc.cluster.local.', qtype: 'AAAA', rcode: 'NOERROR', answer: ['hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1', 'hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2'] },
  ],
  answerOptions({ ignoreEmptyService: true }),
);

describe('fallthrough', () => {
  const view = fixtureCluster();

  it('passes name errors in its zones to the next plugin, never NODATA or answers', () => {
    const options = answerOptions({ zones: reverseZones, fallthrough: [''] });
    expect(answer(view, options, 'svc0.testns.svc.cluster.local', RRType.A, 'cluster.local')).toBe(FALLTHROUGH);
    expect(answer(view, options, '99.0.0.10.in-addr.arpa', RRType.PTR, 'in-addr.arpa')).toBe(FALLTHROUGH);
    const nodataResult = answer(view, options, 'svc1.testns.svc.cluster.local', RRType.AAAA, 'cluster.local');
    expect(nodataResult).not.toBe(FALLTHROUGH);
    const positiveResult = answer(view, options, '1.0.0.10.in-addr.arpa', RRType.PTR, 'in-addr.arpa');
    expect(positiveResult === FALLTHROUGH ? null : positiveResult.sections.answer.length).toBe(1);
  });

  it('only in the zones it names', () => {
    const options = answerOptions({ zones: reverseZones, fallthrough: ['in-addr.arpa'] });
    expect(answer(view, options, '99.0.0.10.in-addr.arpa', RRType.PTR, 'in-addr.arpa')).toBe(FALLTHROUGH);
    const result = answer(view, options, 'svc0.testns.svc.cluster.local', RRType.A, 'cluster.local');
    expect(result === FALLTHROUGH ? null : result.rcode).toBe(RCode.NXDOMAIN);
  });
});

describe('negative answers', () => {
  it('carry the SOA of the zone the name is in', () => {
    const view = fixtureCluster();
    const result = answer(view, answerOptions({ zones: reverseZones }), '99.0.0.10.in-addr.arpa', RRType.PTR, 'in-addr.arpa');
    if (result === FALLTHROUGH) throw new Error('fell through');
    expect(presentAll(result.sections.authority)).toEqual([soaText(view, 'in-addr.arpa')]);
  });

  it('for a root zone name the SOA after the root', () => {
    const view = fixtureCluster();
    const result = answer(view, answerOptions({ zones: [''], primaryZone: '' }), 'svc0.testns.svc', RRType.A, '');
    if (result === FALLTHROUGH) throw new Error('fell through');
    expect(result.rcode).toBe(RCode.NXDOMAIN);
    expect(presentAll(result.sections.authority)).toEqual([soaText(view, '')]);
  });
});

describe('CNAME chains inside the zone', () => {
  it('stop at a loop', () => {
    const view = fixtureCluster();
    view.upsert('service', {
      ...view.service('testns', 'external')!,
      name: 'loop-a',
      externalName: 'loop-b.testns.svc.cluster.local',
    });
    view.upsert('service', {
      ...view.service('testns', 'external')!,
      name: 'loop-b',
      externalName: 'loop-a.testns.svc.cluster.local',
    });
    const result = answer(view, answerOptions(), 'loop-a.testns.svc.cluster.local', RRType.A, 'cluster.local');
    if (result === FALLTHROUGH) throw new Error('fell through');
    expect(result.rcode).toBe(RCode.NOERROR);
    expect(result.sections.answer).toEqual([]);
  });
});
