import { describe, expect, it } from 'vitest';
import type { ClusterState, Service } from '../cluster/types.ts';
import { pod, reversedInterleave, service, slice, state } from '../test-support/cluster.ts';
import { allocateServiceAddresses } from './allocate.ts';
import { parseCIDR, parseIP } from './ip.ts';
import { ControllerConfigError } from './types.ts';

const DEFAULT = { serviceCIDRs: ['127.10.0.0/16'] };

function unallocated(name: string, overrides: Partial<Service> = {}): Service {
  return service({ name, clusterIPs: [], ...overrides });
}

function addressesByName(result: { state: ClusterState }): Map<string, readonly string[]> {
  return new Map(result.state.services.map((s) => [`${s.namespace}/${s.name}`, s.clusterIPs]));
}

function offsetIn(cidr: string, ip: string): bigint {
  return parseIP(ip)!.value - parseCIDR(cidr, 'test').base;
}

describe('allocateServiceAddresses: cluster IPs', () => {
  it('gives a service without a cluster IP one address from above the static band', () => {
    const result = allocateServiceAddresses(state({ services: [unallocated('web')] }), DEFAULT);
    const [ip] = result.state.services[0]!.clusterIPs;
    expect(result.warnings).toEqual([]);
    const offset = offsetIn('127.10.0.0/16', ip!);
    // 127.10.0.1-127.10.1.0 is the band Kubernetes keeps for hand-picked addresses.
    expect(offset > 256n && offset < 65535n).toBe(true);
  });

  it('leaves headless, ExternalName and already-addressed services alone', () => {
    const services = [
      service({ name: 'headless', headless: true, clusterIPs: [] }),
      service({ name: 'ext', type: 'ExternalName', clusterIPs: [], externalName: 'example.com', selector: null }),
      service({ name: 'given', clusterIPs: ['10.96.0.7'] }),
    ];
    const input = state({ services });
    const result = allocateServiceAddresses(input, DEFAULT);
    expect(result.state).toBe(input);
    expect(result.warnings).toEqual([]);
  });

  it('gives the same addresses for the same manifests, whatever their order', () => {
    // A /27 keeps 14 addresses above its band for 20 services: probing and the band both come into play.
    const options = { serviceCIDRs: ['10.0.0.0/27'] };
    const services = Array.from({ length: 20 }, (_, i) => unallocated(`svc-${i}`, { namespace: i % 2 ? 'a' : 'b' }));
    const first = addressesByName(allocateServiceAddresses(state({ services }), options));
    const again = addressesByName(allocateServiceAddresses(state({ services }), options));
    const shuffled = addressesByName(allocateServiceAddresses(state({ services: reversedInterleave(services) }), options));
    expect(again).toEqual(first);
    expect(shuffled).toEqual(first);
    const all = [...first.values()].flat();
    expect(all).toHaveLength(20);
    expect(new Set(all).size).toBe(20);
  });

  it('never hands out an address written anywhere in the state', () => {
    // 10.0.0.0/29: .1 to .6 are usable, the block is too small for a static band.
    const taken = state({
      services: [
        service({ name: 'given', clusterIPs: ['10.0.0.1'], externalIPs: ['10.0.0.2'] }),
        unallocated('new'),
      ],
      pods: [pod({ name: 'p', ips: ['10.0.0.3'] })],
      endpointSlices: [
        slice({
          name: 's',
          serviceName: 'given',
          endpoints: [
            { addresses: ['10.0.0.4'], conditions: { ready: true, serving: true, terminating: false } },
            { addresses: ['10.0.0.5'], conditions: { ready: true, serving: true, terminating: false } },
          ],
        }),
      ],
    });
    const result = allocateServiceAddresses(taken, { serviceCIDRs: ['10.0.0.0/29'] });
    expect(addressesByName(result).get('default/new')).toEqual(['10.0.0.6']);
  });

  it('moves a service off an address someone wrote down by hand', () => {
    const alone = addressesByName(allocateServiceAddresses(state({ services: [unallocated('web')] }), DEFAULT)).get('default/web')!;
    const squatter = service({ name: 'squatter', clusterIPs: [...alone] });
    const moved = addressesByName(allocateServiceAddresses(state({ services: [unallocated('web'), squatter] }), DEFAULT));
    expect(moved.get('default/web')).toHaveLength(1);
    expect(moved.get('default/web')).not.toEqual(alone);
  });

  it('warns and leaves a service without address when the range is full', () => {
    // A /30 has two usable addresses.
    const services = [unallocated('c'), unallocated('a'), unallocated('b')];
    const result = allocateServiceAddresses(state({ services }), { serviceCIDRs: ['10.0.0.0/30'] });
    const byName = addressesByName(result);
    expect([...byName.get('default/a')!, ...byName.get('default/b')!].sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(byName.get('default/c')).toEqual([]);
    expect(result.warnings).toEqual([
      expect.objectContaining({ code: 'cluster-ip-exhausted', kind: 'Service', namespace: 'default', name: 'c' }),
    ]);
    expect(result.warnings[0]?.message).toContain('10.0.0.0/30');
  });

  it('warns when no range is configured at all', () => {
    const result = allocateServiceAddresses(state({ services: [unallocated('web')] }), { serviceCIDRs: [] });
    expect(result.state.services[0]?.clusterIPs).toEqual([]);
    expect(result.warnings[0]).toMatchObject({ code: 'cluster-ip-exhausted', name: 'web' });
    expect(result.warnings[0]?.message).toMatch(/no service CIDR/);
  });

  it('gives the kubernetes service the first address of the range, as the API server does', () => {
    const services = [unallocated('a'), unallocated('kubernetes', { selector: null })];
    const result = addressesByName(allocateServiceAddresses(state({ services }), DEFAULT));
    expect(result.get('default/kubernetes')).toEqual(['127.10.0.1']);
  });

  it('allocates from the family of the first range, spelled canonically', () => {
    const result = allocateServiceAddresses(state({ services: [unallocated('web')] }), {
      serviceCIDRs: ['FD00:10:96::/108', '127.10.0.0/16'],
    });
    const [ip, ...rest] = result.state.services[0]!.clusterIPs;
    expect(rest).toEqual([]);
    expect(ip).toMatch(/^fd00:10:96::[0-9a-f:]+$/);
    expect(offsetIn('fd00:10:96::/108', ip!) >= 256n).toBe(true);
  });

  it('spills into a further range of the same family when the first is full', () => {
    const services = [unallocated('a'), unallocated('b'), unallocated('c')];
    const result = allocateServiceAddresses(state({ services }), { serviceCIDRs: ['10.0.0.0/30', '10.1.0.0/30'] });
    const all = [...addressesByName(result).values()].flat();
    expect(all).toHaveLength(3);
    expect(all.filter((ip) => ip.startsWith('10.1.0.'))).toHaveLength(1);
    expect(result.warnings).toEqual([]);
  });

  it('refuses malformed options', () => {
    expect(() => allocateServiceAddresses(state({}), { serviceCIDRs: ['127.10.0.0'] })).toThrow(ControllerConfigError);
    expect(() => allocateServiceAddresses(state({}), { serviceCIDRs: [], nodePortRange: [32767, 30000] })).toThrow(/nodePortRange/);
    expect(() => allocateServiceAddresses(state({}), { serviceCIDRs: [], nodePortRange: [0, 10] })).toThrow(ControllerConfigError);
  });
});

describe('allocateServiceAddresses: node ports', () => {
  const nodePortService = (name: string, overrides: Partial<Service> = {}): Service =>
    service({
      name,
      type: 'NodePort',
      ports: [
        { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: 'dns-udp', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53 },
      ],
      ...overrides,
    });

  it('gives NodePort and LoadBalancer ports a node port above the static band, shared by ports of one number', () => {
    const services = [nodePortService('np'), nodePortService('lb', { type: 'LoadBalancer' }), nodePortService('plain', { type: 'ClusterIP' })];
    const result = allocateServiceAddresses(state({ services }), DEFAULT);
    const [np, lb, plain] = result.state.services;
    for (const svc of [np!, lb!]) {
      const [http, dnsUdp, dnsTcp] = svc.ports.map((p) => p.nodePort!);
      // 30000-30085 is the band Kubernetes keeps for hand-picked node ports.
      for (const port of [http!, dnsUdp!]) expect(port >= 30086 && port <= 32767).toBe(true);
      expect(dnsTcp).toBe(dnsUdp);
      expect(http).not.toBe(dnsUdp);
    }
    expect(new Set([...np!.ports, ...lb!.ports].map((p) => p.nodePort)).size).toBe(4);
    expect(plain!.ports.every((p) => p.nodePort === undefined)).toBe(true);
  });

  it('keeps given node ports, reuses one for its port number and avoids every given one', () => {
    const mixed = nodePortService('mixed', {
      ports: [
        { name: 'dns-udp', protocol: 'UDP', port: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53, nodePort: 30000 },
        { name: 'http', protocol: 'TCP', port: 80 },
      ],
    });
    const other = nodePortService('other', { ports: [{ name: 'x', protocol: 'TCP', port: 1, nodePort: 30001 }] });
    const result = allocateServiceAddresses(state({ services: [mixed, other] }), { ...DEFAULT, nodePortRange: [30000, 30002] });
    expect(result.state.services[0]?.ports.map((p) => p.nodePort)).toEqual([30000, 30000, 30002]);
    expect(result.warnings).toEqual([]);
  });

  it('gives the same node ports whatever the order of the services', () => {
    const services = Array.from({ length: 8 }, (_, i) => nodePortService(`svc-${i}`));
    const options = { ...DEFAULT, nodePortRange: [30000, 30040] as [number, number] };
    const ports = (list: readonly Service[]) =>
      new Map(allocateServiceAddresses(state({ services: list }), options).state.services.map((s) => [s.name, s.ports]));
    expect(ports(reversedInterleave(services))).toEqual(ports(services));
  });

  it('warns for each port it cannot serve when the range is full', () => {
    const full = nodePortService('full', { ports: [{ name: 'a', protocol: 'TCP', port: 1, nodePort: 30000 }] });
    const hungry = nodePortService('hungry', { ports: [{ name: 'http', protocol: 'TCP', port: 80 }] });
    const result = allocateServiceAddresses(state({ services: [full, hungry] }), { ...DEFAULT, nodePortRange: [30000, 30000] });
    expect(result.state.services[1]?.ports[0]?.nodePort).toBeUndefined();
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'node-port-exhausted', name: 'hungry' })]);
    expect(result.warnings[0]?.message).toContain('http');
  });
});
