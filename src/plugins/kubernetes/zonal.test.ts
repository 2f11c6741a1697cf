import { describe, expect, it } from 'vitest';
import { createClusterStore } from '../../cluster/store.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { answerOptions, endpoint, headless, presentAll, service, slice } from '../../test-support/kubernetes.ts';
import { answer, FALLTHROUGH, type Answer } from './answer.ts';
import { parseRequest } from './request.ts';

/** A headless service with endpoints in two zones and one slice without zones, and a ClusterIP service. */
function cluster() {
  const store = createClusterStore();
  store.replace({
    namespaces: [{ name: 'ns', labels: {} }],
    services: [headless('ns', 'db', [{ name: 'sql', protocol: 'TCP', port: 5432 }]), service('ns', 'web', { clusterIPs: ['10.96.0.5'] })],
    endpointSlices: [
      slice('ns', 'db-a', 'db', [endpoint('10.0.1.1', { zone: 'us-west-2a' }), endpoint('10.0.1.2', { zone: 'US-WEST-2A' }), endpoint('10.0.2.1', { zone: 'us-west-2b' })], {
        ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }],
      }),
      slice('ns', 'db-b', 'db', [endpoint('10.0.3.1')], { ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] }),
      slice('ns', 'web-a', 'web', [endpoint('10.0.9.1', { zone: 'us-west-2a' })]),
    ],
  });
  store.markSynced();
  return store;
}

const zonal = answerOptions({ zonal: true });

function ask(name: string, qtype: number = RRType.A, options = zonal): Answer {
  const result = answer(cluster(), options, name, qtype, 'cluster.local');
  if (result === FALLTHROUGH) throw new Error('fell through');
  return result;
}

describe('zonal names (topology-zone.pin|prefer._zone.service.namespace.svc.zone)', () => {
  it('parses the zone, which may span labels, and the directive, for services only', () => {
    expect(parseRequest('corp.example.com.pin._zone.db.ns.svc.cluster.local', 'cluster.local', true)).toMatchObject({ service: 'db', topologyZone: 'corp.example.com', zonePrefer: false });
    expect(parseRequest('us-west-2a.prefer._zone.db.ns.svc.cluster.local', 'cluster.local', true)).toMatchObject({ topologyZone: 'us-west-2a', zonePrefer: true });
    expect(parseRequest('us-west-2a.pin._zone.db.ns.svc.cluster.local', 'cluster.local', false)).toBeNull();
    expect(parseRequest('us-west-2a.florp._zone.db.ns.svc.cluster.local', 'cluster.local', true)).toBeNull();
    expect(parseRequest('us-west-2a.pin._zone.db.ns.pod.cluster.local', 'cluster.local', true)).toBeNull();
  });

  it('pin: the ready endpoints in the zone, compared without case; NODATA for a zone holding none', () => {
    expect(presentAll(ask('us-west-2a.pin._zone.db.ns.svc.cluster.local').sections.answer)).toEqual([
      'us-west-2a.pin._zone.db.ns.svc.cluster.local. 5 IN A 10.0.1.1',
      'us-west-2a.pin._zone.db.ns.svc.cluster.local. 5 IN A 10.0.1.2',
    ]);
    const empty = ask('eu-central-1a.pin._zone.db.ns.svc.cluster.local');
    expect([empty.rcode, empty.sections.answer.length, empty.sections.authority[0]?.type]).toEqual([RCode.NOERROR, 0, RRType.SOA]);
  });

  it('prefer: the zone when it holds endpoints, else every endpoint (those without a zone included)', () => {
    expect(ask('us-west-2b.prefer._zone.db.ns.svc.cluster.local').sections.answer.map((r) => (r as { address: string }).address)).toEqual(['10.0.2.1']);
    expect(ask('eu-central-1a.prefer._zone.db.ns.svc.cluster.local').sections.answer.map((r) => (r as { address: string }).address).sort()).toEqual([
      '10.0.1.1',
      '10.0.1.2',
      '10.0.2.1',
      '10.0.3.1',
    ]);
  });

  it('answers SRV filtered the same way, with the endpoints as targets', () => {
    const srv = ask('us-west-2b.pin._zone.db.ns.svc.cluster.local', RRType.SRV);
    expect(presentAll(srv.sections.answer)).toEqual(['us-west-2b.pin._zone.db.ns.svc.cluster.local. 5 IN SRV 0 100 5432 10-0-2-1.db.ns.svc.cluster.local.']);
    expect(presentAll(srv.sections.additional)).toEqual(['10-0-2-1.db.ns.svc.cluster.local. 5 IN A 10.0.2.1']);
  });

  it('is NODATA for other types, NXDOMAIN for ClusterIP services, unknown services, and with the option off', () => {
    for (const qtype of [RRType.TXT, RRType.MX, RRType.AAAA]) {
      const nodata = ask('eu-central-1a.pin._zone.db.ns.svc.cluster.local', qtype);
      expect([qtype, nodata.rcode, nodata.sections.answer.length]).toEqual([qtype, RCode.NOERROR, 0]);
    }
    expect(ask('us-west-2a.pin._zone.web.ns.svc.cluster.local').rcode).toBe(RCode.NXDOMAIN);
    expect(ask('us-west-2a.pin._zone.nope.ns.svc.cluster.local').rcode).toBe(RCode.NXDOMAIN);
    expect(ask('us-west-2a.pin._zone.db.ns.svc.cluster.local', RRType.A, answerOptions()).rcode).toBe(RCode.NXDOMAIN);
  });
});
