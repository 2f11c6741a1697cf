import { describe, expect, it } from 'vitest';
import { RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { emptyReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { Externaler } from '../../toolkit/offers.ts';
import { externalHandler } from './handler.ts';
import type { ExternalOptions } from './parse.ts';

const externaler: Externaler = {
  external: () => ({ entries: [], rcode: RCode.NXDOMAIN }),
  nameserverAddresses: () => Promise.resolve(['192.0.2.53', '2001:db8::53']),
  serial: () => 42,
};
const options: ExternalOptions = { zones: null, apex: 'dns', ttl: 5, headless: false, fallthrough: null };
const next = () => emptyReply(RCode.NOTIMP);

async function ask(name: string, qtype: number, opts: ExternalOptions = options) {
  const handler = externalHandler({ zones: ['example.org'], options: opts, externaler }, next);
  const query = queryFor(name, qtype);
  return decodeMessage(encodeResponse(query, await handler(requestFor(query)), 4096));
}

describe('k8s_external handler', () => {
  it("answers ns1 under the apex label with this server's addresses, and the label itself with NODATA", async () => {
    const a = await ask('ns1.dns.example.org', RRType.AAAA);
    expect(a.answer.map((r) => [r.name, r.type])).toEqual([['ns1.dns.example.org', RRType.AAAA]]);
    const label = await ask('dns.example.org', RRType.A);
    expect([label.rcode, label.answer.length, label.authority[0]?.type]).toEqual([RCode.NOERROR, 0, RRType.SOA]);
    expect((await ask('ns2.dns.example.org', RRType.A)).rcode).toBe(RCode.NXDOMAIN);
  });

  it('hands NXDOMAIN to the next plugin with fallthrough, and leaves other zones to it', async () => {
    expect((await ask('nope.ns.example.org', RRType.A)).rcode).toBe(RCode.NXDOMAIN);
    expect((await ask('nope.ns.example.org', RRType.A, { ...options, fallthrough: [''] })).rcode).toBe(RCode.NOTIMP);
    expect((await ask('other.net', RRType.A)).rcode).toBe(RCode.NOTIMP);
  });

  it('puts the serial the cluster gives in the SOA', async () => {
    const soa = await ask('example.org', RRType.SOA);
    expect(soa.answer[0]).toMatchObject({ type: RRType.SOA, name: 'example.org', mname: 'ns1.dns.example.org', rname: 'hostmaster.dns.example.org', serial: 42 });
  });
});
