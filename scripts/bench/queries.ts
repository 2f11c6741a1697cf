/**
 * The query stream: what pods with `options ndots:5` and
 * `search <ns>.svc.cluster.local svc.cluster.local cluster.local` send to cluster DNS.
 *
 * Traffic is built from lookups an application makes ("connect to `orders`", "resolve
 * `db.payments` with A and AAAA"...), each expanded through the search path the way a glibc stub
 * does it. The lookup kinds are dealt in rounds with fixed counts, chosen so that each round of
 * 66 lookups expands to exactly 100 queries: 60 positive A, 25 NXDOMAIN (all search-path
 * misses), 10 AAAA NODATA and 5 SRV.
 */
import { type AnswerIndex, type QueryType } from './answers.ts';
import { serviceFqdn, type BenchCluster, type BenchService } from './model.ts';
import { pickOne, shuffle, zipfSampler, type Random } from './prng.ts';

export interface DnsQuery {
  readonly name: string;
  readonly type: QueryType;
}

interface Lookup {
  /** What the application asks for, relative unless it ends with a dot. */
  readonly name: string;
  readonly clientNamespace: string;
  readonly types: readonly QueryType[];
}

interface LookupKind {
  readonly perRound: number;
  readonly describe: string;
  make(pick: LookupPicker): Lookup;
}

interface LookupPicker {
  readonly random: Random;
  readonly domain: string;
  popularService(): BenchService;
  popularHeadless(): BenchService;
  otherNamespace(than: string): string;
  anyNamespace(): string;
}

const EXTERNAL_NAMES = ['api.github.com', 'www.googleapis.com', 'sts.amazonaws.com', 'registry.npmjs.org',
  'hooks.slack.com', 'login.microsoftonline.com', 'api.stripe.com', 'objects.example.net'];

function srvPrefix(service: BenchService): string {
  const port = service.ports[0]!;
  return `_${port.name}._${port.protocol.toLowerCase()}`;
}

/** Per round: A 60, NXDOMAIN 25, AAAA NODATA 10, SRV 5 (the comments give each kind's share). */
export const LOOKUP_KINDS: readonly LookupKind[] = [
  { perRound: 37, describe: '`svc` from its own namespace, A only: 1 A',
    make: (p) => { const s = p.popularService(); return { name: s.name, clientNamespace: s.namespace, types: ['A'] }; } },
  { perRound: 6, describe: '`svc` from its own namespace, A and AAAA: 1 A, 1 NODATA',
    make: (p) => { const s = p.popularService(); return { name: s.name, clientNamespace: s.namespace, types: ['A', 'AAAA'] }; } },
  { perRound: 7, describe: '`svc.ns` from another namespace, A only: 1 NXDOMAIN, 1 A',
    make: (p) => { const s = p.popularService(); return { name: `${s.name}.${s.namespace}`, clientNamespace: p.otherNamespace(s.namespace), types: ['A'] }; } },
  { perRound: 4, describe: '`svc.ns` from another namespace, A and AAAA: 2 NXDOMAIN, 1 A, 1 NODATA',
    make: (p) => { const s = p.popularService(); return { name: `${s.name}.${s.namespace}`, clientNamespace: p.otherNamespace(s.namespace), types: ['A', 'AAAA'] }; } },
  { perRound: 1, describe: '`svc.ns.svc` from another namespace: 2 NXDOMAIN, 1 A',
    make: (p) => { const s = p.popularService(); return { name: `${s.name}.${s.namespace}.svc`, clientNamespace: p.otherNamespace(s.namespace), types: ['A'] }; } },
  { perRound: 1, describe: 'full name without the final dot (4 dots < ndots): 3 NXDOMAIN, 1 A',
    make: (p) => { const s = p.popularService(); return { name: serviceFqdn(s, p.domain), clientNamespace: p.anyNamespace(), types: ['A'] }; } },
  { perRound: 4, describe: 'a headless pod `host.svc.ns.svc.cluster.local` (5 dots: tried as is first): 1 A',
    make: (p) => {
      const s = p.popularHeadless();
      const host = pickOne(p.random, s.endpoints).hostname!;
      return { name: `${host}.${serviceFqdn(s, p.domain)}`, clientNamespace: p.anyNamespace(), types: ['A'] };
    } },
  { perRound: 2, describe: '`_port._proto.svc.ns` SRV from another namespace: 1 NXDOMAIN, 1 SRV',
    make: (p) => { const s = p.popularService(); return { name: `${srvPrefix(s)}.${s.name}.${s.namespace}`, clientNamespace: p.otherNamespace(s.namespace), types: ['SRV'] }; } },
  { perRound: 3, describe: '`_port._proto.svc` SRV from its own namespace: 1 SRV',
    make: (p) => { const s = p.popularService(); return { name: `${srvPrefix(s)}.${s.name}`, clientNamespace: s.namespace, types: ['SRV'] }; } },
  { perRound: 1, describe: 'an external name: 3 NXDOMAIN (its final query leaves the cluster domain and is not sent)',
    make: (p) => ({ name: pickOne(p.random, EXTERNAL_NAMES), clientNamespace: p.anyNamespace(), types: ['A'] }) },
];

const NDOTS = 5;

/** The names a stub tries, in order, for a lookup (resolv.conf(5) with ndots). */
export function searchCandidates(name: string, clientNamespace: string, domain: string): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const expanded = [`${clientNamespace}.svc.${domain}`, `svc.${domain}`, domain].map((suffix) => `${name}.${suffix}`);
  const dots = name.split('.').length - 1;
  return dots >= NDOTS ? [name, ...expanded] : [...expanded, name];
}

function inDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

/**
 * Appends the queries a stub sends for one lookup. It moves to the next candidate only when
 * every type got NXDOMAIN; any NOERROR (answer or NODATA) ends the search, as in glibc.
 * Candidates outside the cluster domain end it too: cluster DNS would forward them upstream,
 * which this benchmark leaves out.
 */
export function expandLookup(lookup: Lookup, index: AnswerIndex, domain: string, out: DnsQuery[]): void {
  for (const candidate of searchCandidates(lookup.name, lookup.clientNamespace, domain)) {
    if (!inDomain(candidate, domain)) return;
    let found = false;
    for (const type of lookup.types) {
      out.push({ name: candidate, type });
      if (index.classify(candidate, type) !== 'NXDOMAIN') found = true;
    }
    if (found) return;
  }
}

function makePicker(random: Random, cluster: BenchCluster): LookupPicker {
  // ExternalName targets are left out: servers differ on chasing the CNAME out of the cluster.
  const answerable = cluster.services.filter((s) => s.kind !== 'ExternalName');
  const headless = cluster.services.filter((s) => s.kind === 'Headless' && s.endpoints.some((e) => e.hostname));
  return {
    random,
    domain: cluster.domain,
    popularService: zipfSampler(random, shuffle(random, answerable.slice())),
    popularHeadless: zipfSampler(random, shuffle(random, headless.slice())),
    otherNamespace: (than) => {
      const others = cluster.namespaces.filter((ns) => ns !== than);
      return pickOne(random, others);
    },
    anyNamespace: () => pickOne(random, cluster.namespaces),
  };
}

/** Exactly `count` queries: whole rounds of shuffled lookups, the last one cut short. */
export function generateQueries(random: Random, cluster: BenchCluster, index: AnswerIndex, count: number): DnsQuery[] {
  const picker = makePicker(random, cluster);
  const deck = LOOKUP_KINDS.flatMap((kind) => Array.from({ length: kind.perRound }, () => kind));
  const queries: DnsQuery[] = [];
  while (queries.length < count) {
    for (const kind of shuffle(random, deck.slice())) {
      expandLookup(kind.make(picker), index, cluster.domain, queries);
      if (queries.length >= count) break;
    }
  }
  queries.length = count;
  return queries;
}
