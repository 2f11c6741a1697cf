/**
 * Shares equal strings between the objects of the store. JSON.parse gives every value its own
 * copy: 50k endpoints spread over 100 nodes would hold 50k copies of 100 node names. Only values
 * drawn from small sets go through the pool (namespaces, service names, node and zone names, port
 * names); unique ones (pod names, addresses) would only grow it.
 */
export class StringPool {
  readonly #strings = new Map<string, string>();
  readonly #limit: number;

  /** `limit` bounds the pool when values churn: it then starts over, which only costs sharing. */
  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#strings.size;
  }

  intern(value: string): string {
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    if (this.#strings.size >= this.#limit) this.#strings.clear();
    this.#strings.set(value, value);
    return value;
  }
}

/**
 * Shares equal lists between the objects of the store, by a key that spells their contents: a
 * cluster's services mostly expose the same few port lists, and every EndpointSlice repeats its
 * service's. 10k services and their slices held 29k port objects; shared, a few hundred.
 */
export class ListPool {
  readonly #lists = new Map<string, readonly unknown[]>();
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  get size(): number {
    return this.#lists.size;
  }

  /** `list`, or an equal one shared earlier under `key`; the lists must be frozen or never changed. */
  share<T>(key: string, list: readonly T[]): readonly T[] {
    const known = this.#lists.get(key);
    if (known !== undefined) return known as readonly T[];
    if (this.#lists.size >= this.#limit) this.#lists.clear();
    this.#lists.set(key, list);
    return list;
  }
}
