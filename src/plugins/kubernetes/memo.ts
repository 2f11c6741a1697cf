import type { Logger } from 'pino';
import { ByteArena } from '../../dns/owned-bytes.ts';
import type { DomainName, Reply } from '../../dns/types.ts';

/** How a (qname, qtype) was answered. Negative replies are looked up per use: their SOA serial moves. */
export type Outcome =
  | { readonly kind: 'reply'; readonly reply: Reply }
  | { readonly kind: 'negative'; readonly rcode: number; readonly zone: DomainName }
  | { readonly kind: 'fallthrough' };

interface Entry {
  readonly qname: DomainName;
  readonly qtype: number;
  readonly outcome: Outcome;
  readonly dependencies: readonly string[];
  readonly bytes: number;
}

export interface MemoLimits {
  readonly entries: number;
  /** What the entries may hold in memory, as estimated by entryBytes. */
  readonly bytes: number;
}

/**
 * About 11k answers or 17k search-path misses (by entryBytes, which follows the measured heap), a
 * bound the memory envelope of CoreDNS's Deployment (170 MiB) affords whatever the queries are.
 * It is most of what a query burst adds to the resident memory over a large cluster, where nearly
 * every miss is a new name; a pod's repeated search-path walk over 1000 services fits it whole.
 */
export const DEFAULT_MEMO_LIMITS: MemoLimits = { entries: 200_000, bytes: 10 * 2 ** 20 };

// Measured on Node 24 (heap used with and without 20k entries): an entry with a shared outcome
// (a search-path miss) takes about 190 bytes besides its name and dependencies; a reply adds its
// own Reply, outcome and two views on the arena. A dependency is its key, and a set or a slot in one.
const ENTRY_OVERHEAD_BYTES = 190;
const REPLY_OVERHEAD_BYTES = 470;
const DEPENDENCY_BYTES = 150;

/** An estimate of what one memo entry holds besides its reply's bytes (counted in the arena): enough to bound the memo, not an exact count. */
function entryBytes(qname: DomainName, outcome: Outcome, dependencies: number): number {
  const reply = outcome.kind === 'reply' && outcome.reply.body.length > 0 ? REPLY_OVERHEAD_BYTES : 0;
  return ENTRY_OVERHEAD_BYTES + 2 * qname.length + reply + DEPENDENCY_BYTES * dependencies;
}

/**
 * Answers already worked out, by type then name so a lookup builds no key. Each entry lists the
 * dependency keys it was computed from; invalidating a key drops exactly the entries that read
 * it. When full it is emptied at once: simpler than LRU, and refilling costs one answer per name.
 */
export class AnswerMemo {
  readonly #byType = new Map<number, Map<DomainName, Entry>>();
  readonly #byDependency = new Map<string, Set<Entry>>();
  readonly #limits: MemoLimits;
  readonly #logger: Logger;
  /** Where the replies this memo keeps are encoded: prepareReply(..., memo.arena). */
  readonly arena = new ByteArena();
  #size = 0;
  #bytes = 0;

  constructor(logger: Logger, limits: MemoLimits = DEFAULT_MEMO_LIMITS) {
    this.#logger = logger;
    this.#limits = limits;
  }

  get size(): number {
    return this.#size;
  }

  /** The estimated memory the entries hold, their replies' arena included. */
  get bytes(): number {
    return this.#bytes + this.arena.allocatedBytes;
  }

  get(qtype: number, qname: DomainName): Outcome | undefined {
    return this.#byType.get(qtype)?.get(qname)?.outcome;
  }

  /** The dependency keys the entry of (qtype, qname) was computed from, or undefined without one. */
  dependencies(qtype: number, qname: DomainName): readonly string[] | undefined {
    return this.#byType.get(qtype)?.get(qname)?.dependencies;
  }

  set(qtype: number, qname: DomainName, outcome: Outcome, dependencies: Iterable<string>): void {
    const list = [...dependencies];
    const bytes = entryBytes(qname, outcome, list.length);
    if (this.#size >= this.#limits.entries || this.bytes + bytes > this.#limits.bytes) {
      this.#logger.debug({ entries: this.#size, bytes: this.bytes }, 'kubernetes answer memo full, emptying it');
      this.clear();
    }
    let names = this.#byType.get(qtype);
    if (names === undefined) {
      names = new Map();
      this.#byType.set(qtype, names);
    }
    const previous = names.get(qname);
    if (previous !== undefined) this.#drop(previous);
    const entry: Entry = { qname, qtype, outcome, dependencies: list, bytes };
    names.set(qname, entry);
    this.#size++;
    this.#bytes += bytes;
    for (const key of entry.dependencies) {
      let entries = this.#byDependency.get(key);
      if (entries === undefined) {
        entries = new Set();
        this.#byDependency.set(key, entries);
      }
      entries.add(entry);
    }
  }

  /** Drops every entry computed from `key`. */
  invalidate(key: string): void {
    const entries = this.#byDependency.get(key);
    if (entries === undefined) return;
    for (const entry of entries) this.#drop(entry);
  }

  clear(): void {
    this.#byType.clear();
    this.#byDependency.clear();
    this.#size = 0;
    this.#bytes = 0;
    this.arena.reset();
  }

  #drop(entry: Entry): void {
    const names = this.#byType.get(entry.qtype);
    if (names?.get(entry.qname) !== entry) return;
    names.delete(entry.qname);
    this.#size--;
    this.#bytes -= entry.bytes;
    for (const key of entry.dependencies) {
      const entries = this.#byDependency.get(key);
      if (entries === undefined) continue;
      entries.delete(entry);
      if (entries.size === 0) this.#byDependency.delete(key);
    }
  }
}
