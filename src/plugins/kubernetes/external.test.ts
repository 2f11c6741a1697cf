import { describe, expect, it } from 'vitest';
import { createClusterStore } from '../../cluster/store.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { answerOptions, endpoint, headless, service, slice } from '../../test-support/kubernetes.ts';
import { externalLookup, externalNameserverAddresses } from './external.ts';

function cluster() {
  const store = createClusterStore();
  store.replace({
    namespaces: [{ name: 'ns', labels: {} }],
    services: [
      headless('ns', 'db', [{ name: 'sql', protocol: 'TCP', port: 5432 }]),
      service('ns', 'web', { clusterIPs: ['10.96.0.5'], externalIPs: ['192.0.2.10'], ports: [{ name: 'http', protocol: 'TCP', port: 80 }, { name: 'https', protocol: 'TCP', port: 443 }] }),
      service('ns', 'dns', { clusterIPs: ['10.96.0.10'], externalIPs: ['192.0.2.53'] }),
    ],
    endpointSlices: [
      slice('ns', 'db-a', 'db', [endpoint('10.0.0.1', { hostname: 'db-0' })], { ports: [{ name: 'sql', protocol: 'TCP', port: 5432 }] }),
      slice('ns', 'dns-a', 'dns', [endpoint('10.0.0.53')]),
    ],
  });
  store.markSynced();
  return store;
}

const lookup = (name: string, qtype: number = RRType.A, headlessOption = false, options = answerOptions({ localIPs: ['10.0.0.53'] })) =>
  externalLookup(cluster(), options, name, 'example.org', qtype, headlessOption);

describe("kubernetes's answers for k8s_external", () => {
  it('gives the external addresses per matching port, and nothing for a port it does not have', () => {
    expect(lookup('web.ns.example.org').entries).toEqual([
      { host: '192.0.2.10', port: 80, target: 'web.ns.example.org' },
      { host: '192.0.2.10', port: 443, target: 'web.ns.example.org' },
    ]);
    expect(lookup('_https._tcp.web.ns.example.org', RRType.SRV).entries).toEqual([{ host: '192.0.2.10', port: 443, target: 'web.ns.example.org' }]);
    expect(lookup('_ftp._tcp.web.ns.example.org', RRType.SRV)).toEqual({ entries: [], rcode: RCode.NXDOMAIN });
  });

  it('answers a headless service from its ready endpoints only with `headless`', () => {
    expect(lookup('db.ns.example.org').rcode).toBe(RCode.NXDOMAIN);
    expect(lookup('db.ns.example.org', RRType.A, true).entries).toEqual([{ host: '10.0.0.1', port: 5432, target: 'db-0.db.ns.example.org' }]);
    expect(lookup('db-0.db.ns.example.org', RRType.A, true).entries).toHaveLength(1);
    expect(lookup('db-9.db.ns.example.org', RRType.A, true).rcode).toBe(RCode.NXDOMAIN);
  });

  it('is NXDOMAIN for names too long, unknown namespaces and services; the namespace alone exists', () => {
    expect(lookup('a.b.c.web.ns.example.org').rcode).toBe(RCode.NXDOMAIN);
    expect(lookup('web.other.example.org').rcode).toBe(RCode.NXDOMAIN);
    expect(lookup('nope.ns.example.org').rcode).toBe(RCode.NXDOMAIN);
    expect(lookup('ns.example.org')).toEqual({ entries: [], rcode: RCode.NOERROR });
  });

  it("answers PTR for an external address, and names this server by its service's external addresses", () => {
    expect(lookup('10.2.0.192.in-addr.arpa', RRType.PTR).entries).toEqual([{ host: 'web.ns', port: 0, target: '' }]);
    expect(lookup('11.2.0.192.in-addr.arpa', RRType.PTR).rcode).toBe(RCode.NXDOMAIN);
    expect(externalNameserverAddresses(cluster(), answerOptions({ localIPs: ['10.0.0.53'] }), false)).toEqual(['192.0.2.53']);
    expect(externalNameserverAddresses(cluster(), answerOptions({ localIPs: ['10.9.9.9'] }), false)).toEqual(['10.9.9.9']);
  });
});
