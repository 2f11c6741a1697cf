import type { Logger } from 'pino';
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
}

export const DEFAULT_MEMO_LIMIT = 200_000;

/**
 * Answers already worked out, by type then name so a lookup builds no key. Each entry lists the
 * dependency keys it was computed from; invalidating a key drops exactly the entries that read
 * it. When full it is emptied at once: simpler than LRU, and refilling costs one answer per name.
 */
export class AnswerMemo {
  readonly #byType = new Map<number, Map<DomainName, Entry>>();
  readonly #byDependency = new Map<string, Set<Entry>>();
  readonly #limit: number;
  readonly #logger: Logger;
  #size = 0;

  constructor(logger: Logger, limit = DEFAULT_MEMO_LIMIT) {
    this.#logger = logger;
    this.#limit = limit;
  }

  get size(): number {
    return this.#size;
  }

  get(qtype: number, qname: DomainName): Outcome | undefined {
    return this.#byType.get(qtype)?.get(qname)?.outcome;
  }

  set(qtype: number, qname: DomainName, outcome: Outcome, dependencies: Iterable<string>): void {
    if (this.#size >= this.#limit) {
      this.#logger.debug({ entries: this.#size }, 'kubernetes answer memo full, emptying it');
      this.clear();
    }
    let names = this.#byType.get(qtype);
    if (names === undefined) {
      names = new Map();
      this.#byType.set(qtype, names);
    }
    const previous = names.get(qname);
    if (previous !== undefined) this.#drop(previous);
    const entry: Entry = { qname, qtype, outcome, dependencies: [...dependencies] };
    names.set(qname, entry);
    this.#size++;
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
  }

  #drop(entry: Entry): void {
    const names = this.#byType.get(entry.qtype);
    if (names?.get(entry.qname) !== entry) return;
    names.delete(entry.qname);
    this.#size--;
    for (const key of entry.dependencies) {
      const entries = this.#byDependency.get(key);
      if (entries === undefined) continue;
      entries.delete(entry);
      if (entries.size === 0) this.#byDependency.delete(key);
    }
  }
}
