import { afterEach, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { CorefileError } from '../../corefile/types.ts';
import { RRType } from '../../dns/constants.ts';
import { aRecord, deadPort, respond, startFakeUpstream, type Behavior, type FakeUpstream } from '../../test-support/upstream.ts';
import { parseForward } from './parse.ts';
import { isHostName, resolverLookup, resolveUpstreams, systemLookup, type HostLookup } from './resolve.ts';
import { upstreamAddress } from './upstreams.ts';

function forward(text: string) {
  const directive = parseCorefile(`. {\n forward ${text}\n}\n`, 'Corefile').blocks[0]!.directives[0]!;
  return parseForward(directive);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function fake(behavior: Behavior): Promise<FakeUpstream> {
  const upstream = await startFakeUpstream(behavior);
  cleanups.push(() => upstream.close());
  return upstream;
}

/** A resolver that knows `dns.example.test`: two IPv4 and one IPv6 address. */
const knowsExample: Behavior = (query) => {
  if (query.name !== 'dns.example.test') return [respond(query, { rcode: 3 })];
  if (query.type === RRType.AAAA) return [respond(query, { answers: [{ type: 'AAAA', name: query.name, ttl: 60, data: '2001:db8::53' }] })];
  return [respond(query, { answers: [aRecord(query.name, '192.0.2.53'), aRecord(query.name, '192.0.2.54')] })];
};

const table =
  (entries: Record<string, string[]>): HostLookup =>
  async (hostname) => {
    const found = entries[hostname];
    if (found === undefined) throw new Error(`lookup ${hostname}: no such host`);
    return found;
  };

describe('resolving host names of TO', () => {
  it('puts each name\'s addresses where the name was written, port and TLS server name kept, duplicates dropped', async () => {
    const options = forward('. a.example.test 10.0.0.1 tls://b.example.test%sni.example.net:8853 a.example.test:5353 10.0.0.9:53');
    const lookup = table({ 'a.example.test': ['10.0.0.9', '2001:db8::9'], 'b.example.test': ['10.0.0.1'] });
    const upstreams = await resolveUpstreams(options.to, lookup);
    expect(upstreams.map(({ label, scheme, serverName }) => [label, scheme, serverName])).toEqual([
      ['10.0.0.9:53', 'dns', null],
      ['[2001:db8::9]:53', 'dns', null],
      ['10.0.0.1:53', 'dns', null],
      ['10.0.0.1:8853', 'tls', 'sni.example.net'],
      ['10.0.0.9:5353', 'dns', null],
      ['[2001:db8::9]:5353', 'dns', null],
    ]);
  });

  it('fails at the line of the name that cannot be resolved, as CoreDNS words it', async () => {
    const missing = forward('. 10.0.0.1 nowhere.example.test');
    const error = await resolveUpstreams(missing.to, table({})).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorefileError);
    expect((error as CorefileError).line).toBe(2);
    expect((error as Error).message).toBe(
      'Corefile:2 - Error during parsing: forward: failed to resolve "nowhere.example.test": lookup nowhere.example.test: no such host',
    );
  });

  it('finds names with the system resolver, and fails at once on what Go would not look up', async () => {
    expect(await systemLookup('localhost')).toContain('127.0.0.1');
    await expect(systemLookup('/etc/no-such-resolv.conf')).rejects.toThrow('lookup /etc/no-such-resolv.conf: no such host');
    expect(isHostName('dns.example.com.')).toBe(true);
    expect(isHostName('my_dns.svc')).toBe(true);
    expect(isHostName('10.0.0')).toBe(false);
    expect(isHostName('-bad.example')).toBe(false);
  });

  it('asks the resolvers in turn, A then AAAA, as CoreDNS\'s dnsLookup', async () => {
    const refusing = await fake((query) => [respond(query, { rcode: 5 })]);
    const knowing = await fake(knowsExample);
    const lookup = resolverLookup([upstreamAddress('127.0.0.1', refusing.port, 4), upstreamAddress('127.0.0.1', knowing.port, 4)]);
    expect(await lookup('dns.example.test')).toEqual(['192.0.2.53', '192.0.2.54', '2001:db8::53']);
    expect(refusing.queries().map((query) => query.type)).toEqual([RRType.A, RRType.AAAA]);
    expect(knowing.queries().map((query) => [query.name, query.type, query.transport])).toEqual([
      ['dns.example.test', RRType.A, 'udp'],
      ['dns.example.test', RRType.AAAA, 'udp'],
    ]);
  });

  it('says why no resolver gave an address', async () => {
    const port = await deadPort();
    const knowing = await fake(knowsExample);
    await expect(resolverLookup([upstreamAddress('127.0.0.1', knowing.port, 4)])('other.example.test')).rejects.toThrow(
      'no addresses found for "other.example.test"',
    );
    await expect(resolverLookup([upstreamAddress('127.0.0.1', port, 4)])('dns.example.test')).rejects.toThrow(
      new RegExp(`^no addresses found for "dns\\.example\\.test": read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: read: connection refused$`),
    );
  });
});
