import { parseQuery, type EncodeQueryOptions, encodeQuery } from '../dns/query.ts';
import type { DomainName, Query } from '../dns/types.ts';
import type { Request } from '../toolkit/types.ts';

/** A query as the server parses it off the wire. */
export function queryFor(name: DomainName, type: number, options: EncodeQueryOptions = {}): Query {
  const parsed = parseQuery(encodeQuery(name, type, options));
  if (parsed.kind !== 'query') throw new Error(`encodeQuery made something parseQuery rejects: ${parsed.kind}`);
  return parsed.query;
}

/** A request for a plugin's handler, as if it came from 192.0.2.10:40000 over UDP. */
export function requestFor(query: Query, overrides: Partial<Request> = {}): Request {
  return {
    query,
    transport: 'udp',
    remoteAddress: '192.0.2.10',
    remotePort: 40000,
    localAddress: '::',
    localPort: 53,
    server: 'dns://:53',
    zone: '',
    ...overrides,
  };
}
