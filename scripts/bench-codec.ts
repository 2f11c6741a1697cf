/**
 * Micro-benchmark of the query hot path: parseQuery + encodeResponse for a few typical queries,
 * next to the floor a fixed-answer server pays (copy a canned reply, patch the ID).
 * Usage: node scripts/bench-codec.ts [iterations]
 */
import { RRType } from '../src/dns/constants.ts';
import { encodeQuery, parseQuery } from '../src/dns/query.ts';
import { prepareReply } from '../src/dns/reply.ts';
import { encodeResponse, udpLimit } from '../src/dns/response.ts';
import type { Reply, ResourceRecord } from '../src/dns/types.ts';

const iterations = Number(process.argv[2] ?? 1_000_000);
const qname = 'my-service.my-namespace.svc.cluster.local';

function replyFor(records: ResourceRecord[]): Reply {
  return prepareReply({ rcode: 0, flags: 0x0400, qname, sections: { answer: records, authority: [], additional: [] } });
}

const cases: { label: string; query: Buffer; reply: Reply }[] = [
  {
    label: 'A, no EDNS',
    query: encodeQuery(qname, RRType.A, { id: 1 }),
    reply: replyFor([{ name: qname, type: RRType.A, ttl: 5, address: '10.96.0.10' }]),
  },
  {
    label: 'A, EDNS 1232',
    query: encodeQuery(qname, RRType.A, { id: 2, edns: { udpSize: 1232 } }),
    reply: replyFor([{ name: qname, type: RRType.A, ttl: 5, address: '10.96.0.10' }]),
  },
  {
    label: 'SRV x4, EDNS',
    query: encodeQuery(`_http._tcp.${qname}`, RRType.SRV, { id: 3, edns: { udpSize: 1232 } }),
    reply: prepareReply({
      rcode: 0,
      flags: 0x0400,
      qname: `_http._tcp.${qname}`,
      sections: {
        answer: [0, 1, 2, 3].map((i) => ({
          name: `_http._tcp.${qname}`,
          type: RRType.SRV,
          ttl: 5,
          priority: 0,
          weight: 25,
          port: 80,
          target: `10-0-0-${i}.${qname}`,
        })),
        authority: [],
        additional: [],
      },
    }),
  },
];

function measure(label: string, run: () => number): void {
  for (let i = 0; i < 50_000; i++) run();
  // CPU time rather than wall time: the numbers stay comparable on a busy machine.
  const started = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < iterations; i++) bytes += run();
  const used = process.cpuUsage(started);
  const seconds = (used.user + used.system) / 1e6;
  console.log(`${label.padEnd(36)} ${Math.round(iterations / seconds).toLocaleString('en').padStart(12)} ops/s of CPU  (${bytes} bytes)`);
}

for (const { label, query, reply } of cases) {
  const parsedOnce = parseQuery(query);
  if (parsedOnce.kind !== 'query') throw new Error(`benchmark query rejected: ${label}`);
  measure(`parse+encode ${label}`, () => {
    const parsed = parseQuery(query);
    if (parsed.kind !== 'query') throw new Error(`unexpected ${parsed.kind}`);
    return encodeResponse(parsed.query, reply, udpLimit(parsed.query)).length;
  });
  measure(`  parseQuery only`, () => (parseQuery(query).kind === 'query' ? 1 : 0));
  const canned = encodeResponse(parsedOnce.query, reply, 65535);
  measure(`  fixed-answer floor`, () => {
    const out = Buffer.allocUnsafe(canned.length);
    canned.copy(out);
    out[0] = query[0] as number;
    out[1] = query[1] as number;
    return out.length;
  });
}
