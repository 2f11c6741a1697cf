import { describe, expect, it } from 'vitest';
import type { Endpoint, EndpointSlice, ServicePort } from '../cluster/types.ts';
import { emptyPool, readyEndpoints, rebuildPool } from './backends.ts';

function endpoint(address: string, ready = true): Endpoint {
  return { addresses: [address], conditions: { ready, serving: ready, terminating: false } };
}

function slice(name: string, addressType: EndpointSlice['addressType'], endpoints: Endpoint[], ports: EndpointSlice['ports']): EndpointSlice {
  return { namespace: 'default', name, serviceName: 'web', addressType, endpoints, ports, labels: {} };
}

const http: ServicePort = { name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' };

describe('readyEndpoints', () => {
  it('takes ready endpoints at the port of the same name and protocol, once each', () => {
    const slices = [
      slice('a', 'IPv4', [endpoint('10.0.0.1'), endpoint('10.0.0.2', false)], [
        { name: 'http', protocol: 'TCP', port: 8080 },
        { name: 'metrics', protocol: 'TCP', port: 9090 },
      ]),
      slice('b', 'IPv4', [endpoint('10.0.0.1'), endpoint('10.0.0.3')], [{ name: 'http', protocol: 'TCP', port: 8080 }]),
      slice('c', 'IPv4', [endpoint('10.0.0.4')], [{ name: 'http', protocol: 'UDP', port: 8080 }]),
      slice('d', 'IPv6', [endpoint('fd00::1')], [{ name: 'http', protocol: 'TCP', port: 8081 }]),
      slice('e', 'FQDN', [endpoint('example.com')], [{ name: 'http', protocol: 'TCP', port: 80 }]),
    ];
    expect(readyEndpoints(slices, http)).toEqual([
      { address: '10.0.0.1', port: 8080, family: 'IPv4' },
      { address: '10.0.0.3', port: 8080, family: 'IPv4' },
      { address: 'fd00::1', port: 8081, family: 'IPv6' },
    ]);
  });
});

describe('rebuildPool', () => {
  it('keeps the objects of backends that stay, sorted, and marks those that left', () => {
    const first = rebuildPool(emptyPool(), [
      { address: '10.0.0.2', port: 80, family: 'IPv4' },
      { address: '10.0.0.1', port: 80, family: 'IPv4' },
      { address: 'fd00::1', port: 80, family: 'IPv6' },
    ], 'IPv4');
    expect(first.backends.map((b) => b.key)).toEqual(['10.0.0.1:80', '10.0.0.2:80']);
    const [one, two] = first.backends;
    one!.active = 3;
    first.cursor = 1;
    const second = rebuildPool(first, [{ address: '10.0.0.1', port: 80, family: 'IPv4' }], 'IPv4');
    expect(second.backends).toEqual([one]);
    expect(second.backends[0]?.active).toBe(3);
    expect(second.cursor).toBe(0);
    expect(two?.current).toBe(false);
  });
});
