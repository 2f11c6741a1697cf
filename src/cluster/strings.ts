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
