import { describe, expect, it } from 'vitest';
import { RCode, RRClass, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { encodeResponse } from '../../dns/response.ts';
import { directive } from '../../test-support/corefile.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { whoamiReply } from './handler.ts';
import { parseWhoami } from './parse.ts';

describe('whoami parse', () => {
  it('takes no arguments and no block', () => {
    expect(parseWhoami(directive('whoami'))).toBeNull();
    expect(() => parseWhoami(directive('whoami extra'))).toThrow(/Corefile:2/);
    expect(() => parseWhoami(directive('whoami {\n}'))).toThrow(/Corefile:2/);
  });
});

describe('whoami answer', () => {
  function answer(name: string, overrides: Parameters<typeof requestFor>[1] = {}, cls?: number) {
    const query = queryFor(name, RRType.A, { class: cls });
    const request = requestFor(query, overrides);
    return decodeMessage(encodeResponse(query, whoamiReply(request), 512));
  }

  it('puts the IPv4 client in an A record and its port in _udp SRV, authoritative, empty answer', () => {
    const message = answer('Example.ORG');
    expect(message).toMatchObject({ rcode: RCode.NOERROR, authoritative: true, answer: [], authority: [] });
    expect(message.additional).toEqual([
      { name: 'example.org', type: RRType.A, class: RRClass.IN, ttl: 0, address: '192.0.2.10' },
      { name: '_udp.example.org', type: RRType.SRV, class: RRClass.IN, ttl: 0, priority: 0, weight: 0, port: 40000, target: '' },
    ]);
  });

  it('answers AAAA and _tcp for an IPv6 client over TCP', () => {
    const message = answer('example.org', { remoteAddress: '2001:db8::7', remotePort: 51000, transport: 'tcp' });
    expect(message.additional.map((r) => [r.name, r.type, 'address' in r ? r.address : 'port' in r ? r.port : null])).toEqual([
      ['example.org', RRType.AAAA, '2001:db8::7'],
      ['_tcp.example.org', RRType.SRV, 51000],
    ]);
  });

  it('names the SRV _udp. for the root, and keeps the query class', () => {
    const root = answer('');
    expect(root.additional.map((r) => r.name)).toEqual(['', '_udp']);
    const chaos = answer('example.org', {}, RRClass.CH);
    expect(chaos.additional.map((r) => ('class' in r ? r.class : null))).toEqual([RRClass.CH, RRClass.CH]);
  });
});
