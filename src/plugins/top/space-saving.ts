/** A key's estimated count: the true count lies in [count - error, count]. */
export interface CountedKey {
  readonly key: string;
  readonly count: number;
  readonly error: number;
}

/** What a Space-Saving counter set holds at one moment, as it is read, merged and sent between threads. */
export interface CountSummary {
  /** Every offer counted, tracked or not (the stream length N). */
  readonly total: number;
  /**
   * The most any key missing from `entries` can have been offered: the smallest count once every
   * counter is taken, else 0 (until then every key offered is tracked exactly).
   */
  readonly floor: number;
  /** Largest count first; keys of equal counts in key order. */
  readonly entries: readonly CountedKey[];
}

const NONE = -1;

/**
 * The heavy hitters of a stream of keys in `capacity` counters: Metwally, Agrawal and El Abbadi's
 * Space-Saving ("Efficient computation of frequent and top-k elements in data streams", 2005).
 * A tracked key's count overestimates its true count by at most the count of the key it replaced,
 * and at most N / capacity after N offers; every key offered more than N / capacity times is tracked.
 *
 * The counters sit in the paper's stream-summary: buckets of equal count in a list of increasing
 * counts, each holding a list of its counters, so an offer is O(1) (a Map lookup and a few index
 * moves) and the least counter is the head of the first bucket. Everything lives in typed arrays
 * sized once: after the first `capacity` keys an offer allocates nothing but what the Map does
 * when a new key replaces an old one.
 */
export class SpaceSaving {
  readonly capacity: number;
  #total = 0;
  #used = 0;
  readonly #slots = new Map<string, number>();
  readonly #keys: string[];
  /** Per counter: the count of the key it replaced, the most its count overestimates. */
  readonly #errors: Float64Array;
  readonly #bucketOf: Int32Array;
  /** Per counter: its neighbours in its bucket's list. */
  readonly #previous: Int32Array;
  readonly #next: Int32Array;
  /** Per bucket: the count its counters share, its first counter, and its neighbours by count. */
  readonly #bucketCount: Float64Array;
  readonly #bucketHead: Int32Array;
  readonly #bucketBelow: Int32Array;
  readonly #bucketAbove: Int32Array;
  /** The bucket of the least count; NONE while nothing was offered. */
  #lowest = NONE;
  /** Unused buckets, chained through #bucketAbove. There are never more buckets in use than counters. */
  #freeBuckets = NONE;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`Space-Saving capacity ${capacity}: want a whole number from 1`);
    this.capacity = capacity;
    this.#keys = new Array<string>(capacity).fill('');
    this.#errors = new Float64Array(capacity);
    this.#bucketOf = new Int32Array(capacity);
    this.#previous = new Int32Array(capacity);
    this.#next = new Int32Array(capacity);
    this.#bucketCount = new Float64Array(capacity);
    this.#bucketHead = new Int32Array(capacity);
    this.#bucketBelow = new Int32Array(capacity);
    this.#bucketAbove = new Int32Array(capacity);
    for (let bucket = 0; bucket < capacity; bucket++) this.#bucketAbove[bucket] = bucket + 1 < capacity ? bucket + 1 : NONE;
    this.#freeBuckets = 0;
  }

  get total(): number {
    return this.#total;
  }

  /** Counts one occurrence of `key`. */
  offer(key: string): void {
    this.#total++;
    const slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.#increment(slot);
      return;
    }
    if (this.#used < this.capacity) {
      this.#start(this.#used++, key);
      return;
    }
    // Every counter is taken: the key takes over a least counter, inheriting its count as error.
    const lowest = this.#lowest;
    const victim = this.#bucketHead[lowest]!;
    this.#slots.delete(this.#keys[victim]!);
    this.#slots.set(key, victim);
    this.#keys[victim] = key;
    this.#errors[victim] = this.#bucketCount[lowest]!;
    this.#increment(victim);
  }

  /** The counters now, largest first. */
  summary(): CountSummary {
    const entries: CountedKey[] = [];
    for (let slot = 0; slot < this.#used; slot++) {
      entries.push({ key: this.#keys[slot]!, count: this.#bucketCount[this.#bucketOf[slot]!]!, error: this.#errors[slot]! });
    }
    entries.sort(byCountThenKey);
    const full = this.#used === this.capacity;
    return { total: this.#total, floor: full ? this.#bucketCount[this.#lowest]! : 0, entries };
  }

  /** A new key in an unused counter, with a count of 1. */
  #start(slot: number, key: string): void {
    this.#slots.set(key, slot);
    this.#keys[slot] = key;
    this.#errors[slot] = 0;
    let bucket = this.#lowest;
    if (bucket === NONE || this.#bucketCount[bucket] !== 1) {
      bucket = this.#takeBucket(1);
      this.#linkBucket(bucket, NONE, this.#lowest);
    }
    this.#attach(slot, bucket);
  }

  #increment(slot: number): void {
    const bucket = this.#bucketOf[slot]!;
    const count = this.#bucketCount[bucket]! + 1;
    const above = this.#bucketAbove[bucket]!;
    if (above !== NONE && this.#bucketCount[above] === count) {
      this.#detach(slot, bucket);
      this.#attach(slot, above);
      if (this.#bucketHead[bucket] === NONE) this.#dropBucket(bucket);
      return;
    }
    if (this.#bucketHead[bucket] === slot && this.#next[slot] === NONE) {
      // Alone in its bucket, and no bucket holds count + 1: the bucket itself moves up.
      this.#bucketCount[bucket] = count;
      return;
    }
    const raised = this.#takeBucket(count);
    this.#linkBucket(raised, bucket, above);
    this.#detach(slot, bucket);
    this.#attach(slot, raised);
  }

  #attach(slot: number, bucket: number): void {
    const head = this.#bucketHead[bucket]!;
    this.#bucketOf[slot] = bucket;
    this.#previous[slot] = NONE;
    this.#next[slot] = head;
    if (head !== NONE) this.#previous[head] = slot;
    this.#bucketHead[bucket] = slot;
  }

  #detach(slot: number, bucket: number): void {
    const previous = this.#previous[slot]!;
    const next = this.#next[slot]!;
    if (previous === NONE) this.#bucketHead[bucket] = next;
    else this.#next[previous] = next;
    if (next !== NONE) this.#previous[next] = previous;
  }

  #takeBucket(count: number): number {
    const bucket = this.#freeBuckets;
    this.#freeBuckets = this.#bucketAbove[bucket]!;
    this.#bucketCount[bucket] = count;
    this.#bucketHead[bucket] = NONE;
    return bucket;
  }

  /** Puts `bucket` in the list between `below` and `above` (either NONE at an end). */
  #linkBucket(bucket: number, below: number, above: number): void {
    this.#bucketBelow[bucket] = below;
    this.#bucketAbove[bucket] = above;
    if (below === NONE) this.#lowest = bucket;
    else this.#bucketAbove[below] = bucket;
    if (above !== NONE) this.#bucketBelow[above] = bucket;
  }

  #dropBucket(bucket: number): void {
    const below = this.#bucketBelow[bucket]!;
    const above = this.#bucketAbove[bucket]!;
    if (below === NONE) this.#lowest = above;
    else this.#bucketAbove[below] = above;
    if (above !== NONE) this.#bucketBelow[above] = below;
    this.#bucketAbove[bucket] = this.#freeBuckets;
    this.#freeBuckets = bucket;
  }
}

export function byCountThenKey(a: CountedKey, b: CountedKey): number {
  return b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
