import { describe, expect, it } from 'vitest';
import { HeaderFlag, RCode, RRType } from '../dns/constants.ts';
import { decodeMessage } from '../dns/message.ts';
import { prepareReply } from '../dns/reply.ts';
import { encodeResponse } from '../dns/response.ts';
import type { DomainName } from '../dns/types.ts';
import { queryFor } from '../test-support/request.ts';
import { searchName, type Exchange, type ExchangeResult, type SearchConfig } from './search.ts';

/** A response to `name` with this rcode and, for 'answer', one A record. */
function response(name: DomainName, outcome: 'answer' | 'nodata' | number): ExchangeResult {
  const query = queryFor(name, RRType.A);
  const answer = outcome === 'answer' ? [{ name, type: RRType.A, ttl: 5, address: '192.0.2.1' } as const] : [];
  const rcode = typeof outcome === 'number' ? outcome : RCode.NOERROR;
  const reply = prepareReply({ rcode, flags: HeaderFlag.AA, qname: name, sections: { answer, authority: [], additional: [] } });
  return { kind: 'response', message: decodeMessage(encodeResponse(query, reply, 512)) };
}

/** An exchange answering from a table (NXDOMAIN for names not in it), noting every name asked. */
function fake(table: Record<string, 'answer' | 'nodata' | 'timeout' | 'refused' | number>) {
  const asked: string[] = [];
  const exchange: Exchange = async (name) => {
    asked.push(name);
    const outcome = table[name] ?? RCode.NXDOMAIN;
    if (outcome === 'timeout' || outcome === 'refused') return { kind: outcome };
    return response(name, outcome);
  };
  return { exchange, asked };
}

const POD: SearchConfig = { search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5, noTldQuery: false };

describe('searchName, as glibc res_nsearch', () => {
  it('tries the search list first when the name has fewer dots than ndots, and stops at the first answer', async () => {
    const { exchange, asked } = fake({ 'myservice.default.svc.cluster.local': 'answer' });
    const outcome = await searchName('myservice', RRType.A, POD, exchange);
    expect(outcome).toMatchObject({ kind: 'answer', name: 'myservice.default.svc.cluster.local' });
    expect(asked).toEqual(['myservice.default.svc.cluster.local']);
  });

  it('walks every suffix on NXDOMAIN, then the name as it is, and reports the last error', async () => {
    const { exchange, asked } = fake({});
    const outcome = await searchName('nope', RRType.A, POD, exchange);
    expect(asked).toEqual(['nope.default.svc.cluster.local', 'nope.svc.cluster.local', 'nope.cluster.local', 'nope']);
    expect(outcome).toMatchObject({ kind: 'failure', error: 'HOST_NOT_FOUND' });
    expect(outcome.attempts).toHaveLength(4);
  });

  it('goes on after NODATA and reports NO_DATA when nothing answers', async () => {
    const { exchange, asked } = fake({ 'db.default.svc.cluster.local': 'nodata' });
    const outcome = await searchName('db', RRType.A, POD, exchange);
    expect(asked).toHaveLength(4);
    expect(outcome).toMatchObject({ kind: 'failure', error: 'NO_DATA' });
  });

  it('goes on after SERVFAIL and finds a later suffix', async () => {
    const { exchange, asked } = fake({ 'x.default.svc.cluster.local': RCode.SERVFAIL, 'x.cluster.local': 'answer' });
    expect(await searchName('x', RRType.A, POD, exchange)).toMatchObject({ kind: 'answer', name: 'x.cluster.local' });
    expect(asked).toEqual(['x.default.svc.cluster.local', 'x.svc.cluster.local', 'x.cluster.local']);
  });

  it('stops searching on REFUSED or a timeout but still tries the name as it is', async () => {
    for (const stopper of [RCode.REFUSED, 'timeout'] as const) {
      const { exchange, asked } = fake({ 'x.default.svc.cluster.local': stopper, x: 'answer' });
      expect(await searchName('x', RRType.A, POD, exchange)).toMatchObject({ kind: 'answer', name: 'x' });
      expect(asked).toEqual(['x.default.svc.cluster.local', 'x']);
    }
  });

  it('gives up at once when the servers refuse the connection', async () => {
    const { exchange, asked } = fake({ 'x.default.svc.cluster.local': 'refused' });
    expect(await searchName('x', RRType.A, POD, exchange)).toMatchObject({ kind: 'failure', error: 'TRY_AGAIN' });
    expect(asked).toHaveLength(1);
  });

  it('tries a name with enough dots as it is first, and reports that try\'s error when all fail', async () => {
    const config = { ...POD, ndots: 1 };
    const first = fake({ 'example.com': 'answer' });
    expect(await searchName('example.com', RRType.A, config, first.exchange)).toMatchObject({ kind: 'answer', name: 'example.com' });
    expect(first.asked).toEqual(['example.com']);
    const none = fake({ 'a.b': 'nodata' });
    expect(await searchName('a.b', RRType.A, config, none.exchange)).toMatchObject({ kind: 'failure', error: 'NO_DATA' });
    expect(none.asked).toEqual(['a.b', 'a.b.default.svc.cluster.local', 'a.b.svc.cluster.local', 'a.b.cluster.local']);
  });

  it('asks only the name itself when it ends with a dot', async () => {
    const { exchange, asked } = fake({});
    expect(await searchName('Myservice.default.', RRType.A, POD, exchange)).toMatchObject({ kind: 'failure', error: 'HOST_NOT_FOUND' });
    expect(asked).toEqual(['myservice.default']);
  });

  it('does not ask the bare name again when the root is on the search list, nor a dotless name with no-tld-query', async () => {
    const root = fake({});
    await searchName('x', RRType.A, { search: ['a.org', ''], ndots: 1, noTldQuery: false }, root.exchange);
    expect(root.asked).toEqual(['x.a.org', 'x']);
    const noTld = fake({});
    await searchName('x', RRType.A, { search: ['a.org'], ndots: 1, noTldQuery: true }, noTld.exchange);
    expect(noTld.asked).toEqual(['x.a.org']);
  });
});
