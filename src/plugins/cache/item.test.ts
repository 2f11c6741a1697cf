import { describe, expect, it } from 'vitest';
import { RCode, RRType } from '../../dns/constants.ts';
import { ByteArena } from '../../dns/owned-bytes.ts';
import { prepareReply } from '../../dns/reply.ts';
import { ownedReply } from './item.ts';

const record = { type: RRType.A, name: 'web.default.svc.cluster.local', ttl: 30, address: '10.0.0.1' } as const;
const sections = { answer: [record], authority: [], additional: [] };

describe('ownedReply', () => {
  it('copies a reply carved from a shared slab, so a cached item does not keep the slab alive', () => {
    const arena = new ByteArena();
    const carved = prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: record.name, sections }, arena);
    const kept = ownedReply(carved);
    expect(kept).not.toBe(carved);
    expect(kept.body.equals(carved.body)).toBe(true);
    expect([...kept.ttlOffsets]).toEqual([...carved.ttlOffsets]);
    expect(kept.body.buffer.byteLength).toBe(kept.body.length);
    expect(kept.ttlOffsets.buffer.byteLength).toBe(kept.ttlOffsets.byteLength);
    expect(kept.body.buffer).not.toBe(carved.body.buffer);
  });

  it('keeps a reply that already owns its memory as it is', () => {
    const owned = prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: record.name, sections });
    expect(ownedReply(owned)).toBe(owned);
  });
});
