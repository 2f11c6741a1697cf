import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_SIZE, RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { emptyReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Reply, ResourceRecord } from '../../dns/types.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import type { Transferer } from '../../toolkit/offers.ts';
import { transferHandler } from './handler.ts';

const soa: ResourceRecord = { type: RRType.SOA, name: 'cluster.local', ttl: 5, mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 7, refresh: 7200, retry: 1800, expire: 86400, minimum: 5 };
const next = () => emptyReply(RCode.NOTIMP);

describe('transfer handler', () => {
  it('splits a large zone over several messages, each under 64 KiB with the question, none lost', () => {
    const addresses: ResourceRecord[] = Array.from({ length: 5000 }, (_, i) => ({
      type: RRType.A,
      name: `service-${i}.some-namespace.svc.cluster.local`,
      ttl: 5,
      address: `10.${i >> 8}.${i & 255}.1`,
    }));
    const transferer: Transferer = { zones: ['cluster.local'], transfer: () => [soa, ...addresses, soa] };
    const handler = transferHandler({ zones: ['cluster.local'], allowed: () => true, sent: () => {} }, transferer, next);
    const query = queryFor('cluster.local', RRType.AXFR);
    const reply = handler(requestFor(query, { transport: 'tcp' })) as Reply;
    const messages = [reply, ...(reply.followedBy ?? [])].map((part) => encodeResponse(query, part, MAX_MESSAGE_SIZE));
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(message.length).toBeLessThanOrEqual(65_535);
    const records = messages.flatMap((message) => decodeMessage(message).answer);
    expect(records).toHaveLength(5002);
    expect(records.map((record) => record.name).slice(0, 3)).toEqual(['cluster.local', 'service-0.some-namespace.svc.cluster.local', 'service-1.some-namespace.svc.cluster.local']);
    expect(messages.every((message) => decodeMessage(message).questions[0]?.name === 'cluster.local')).toBe(true);
  });

  it('refuses UDP and clients it does not allow, and leaves other types and zones to the next plugin', () => {
    const transferer: Transferer = { zones: ['cluster.local'], transfer: () => [soa, soa] };
    const handler = transferHandler({ zones: ['cluster.local'], allowed: (address) => address === '192.0.2.10', sent: () => {} }, transferer, next);
    expect((handler(requestFor(queryFor('cluster.local', RRType.AXFR))) as Reply).rcode).toBe(RCode.REFUSED);
    expect((handler(requestFor(queryFor('cluster.local', RRType.AXFR), { transport: 'tcp', remoteAddress: '192.0.2.11' })) as Reply).rcode).toBe(RCode.REFUSED);
    expect((handler(requestFor(queryFor('cluster.local', RRType.A), { transport: 'tcp' })) as Reply).rcode).toBe(RCode.NOTIMP);
    expect((handler(requestFor(queryFor('example.org', RRType.AXFR), { transport: 'tcp' })) as Reply).rcode).toBe(RCode.NOTIMP);
    expect((handler(requestFor(queryFor('cluster.local', RRType.IXFR), { transport: 'tcp' })) as Reply).rcode).toBe(RCode.SERVFAIL);
  });
});
