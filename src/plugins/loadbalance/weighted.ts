import { RCode, RRType } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import { BodyNames, isWalkable, recordDataStart, recordType } from '../../dns/reply-records.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import { relayout } from './relayout.ts';
import { addressKey, DEFAULT_WEIGHT, type WeightTable } from './weightfile.ts';

/** What the weights come from: the table in use and a number that changes with it. */
export interface Weights {
  readonly table: WeightTable;
  readonly generation: number;
}

/**
 * How many encoded orders of one reply are kept. A reply has one order per address that can
 * come first; past this many (huge answers), the others are encoded each time they are picked.
 */
export const MAX_KEPT_ORDERS = 64;

/** Only answers to these question types are reordered, as in CoreDNS. */
const WEIGHTED_QUESTION_TYPES: ReadonlySet<number> = new Set([RRType.A, RRType.AAAA, RRType.SRV]);

/** The weights of one section's addresses under one weight table, ready for a draw. */
interface Draw {
  readonly generation: number;
  /** Address positions (within the section's addresses), heaviest first. */
  readonly slots: Uint16Array;
  /** Running sums of the weights in `slots` order. */
  readonly cumulative: Uint32Array;
  readonly total: number;
}

/** A section with address records, grouped as CoreDNS groups it, and what weighs its addresses. */
interface AddressSection {
  readonly cname: readonly number[];
  readonly rest: readonly number[];
  readonly address: readonly number[];
  readonly mx: readonly number[];
  /** Per address record: its owner name and its address key, to look the weight up. */
  readonly owners: readonly DomainName[];
  readonly keys: readonly string[];
  draw: Draw | null;
}

interface Plan {
  /** Null for a section without address records: it stays as it is. */
  readonly answer: AddressSection | null;
  readonly additional: AddressSection | null;
  /** Encoded replies by (answer top, additional top). */
  readonly orders: Map<number, Reply>;
}

/**
 * CoreDNS's weighted policy: in the answer and additional sections of NOERROR replies to A, AAAA
 * and SRV questions, CNAMEs come first, then other records, the addresses, then MX records; one
 * address, drawn with the probability of its weight (1 when the weight file does not list it),
 * swaps places with the first address. Each such order is encoded once per reply and kept.
 */
export class WeightedBalancer {
  private readonly weights: Weights;
  private readonly random: () => number;
  private readonly plans = new WeakMap<Reply, Plan | null>();

  constructor(weights: Weights, random: () => number = Math.random) {
    this.weights = weights;
    this.random = random;
  }

  balance(query: Query, reply: Reply): Reply {
    if (reply.rcode !== RCode.NOERROR || !WEIGHTED_QUESTION_TYPES.has(query.type)) return reply;
    let plan = this.plans.get(reply);
    if (plan === undefined) {
      plan = planFor(query, reply);
      this.plans.set(reply, plan);
    }
    if (plan === null) return reply;
    const { answer, additional } = plan;
    const answerTop = answer === null ? 0 : this.pick(answer);
    const additionalTop = additional === null ? 0 : this.pick(additional);
    const key = answerTop * (additional === null ? 1 : additional.address.length) + additionalTop;
    const kept = plan.orders.get(key);
    if (kept !== undefined) return kept;
    const order = orderFor(reply, plan, answerTop, additionalTop);
    const balanced = order === null ? reply : relayout(query, reply, order);
    if (balanced === null) {
      // Records this cannot rewrite: the reply goes out as it is, now and from now on.
      this.plans.set(reply, null);
      return reply;
    }
    if (plan.orders.size < MAX_KEPT_ORDERS) plan.orders.set(key, balanced);
    return balanced;
  }

  /** The position, among the section's addresses, of the one drawn to come first. */
  private pick(section: AddressSection): number {
    if (section.address.length === 1) return 0;
    let draw = section.draw;
    if (draw === null || draw.generation !== this.weights.generation) draw = section.draw = this.drawFor(section);
    const value = Math.floor(this.random() * draw.total);
    const { cumulative } = draw;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] as number) > value) high = middle;
      else low = middle + 1;
    }
    return draw.slots[low] as number;
  }

  private drawFor(section: AddressSection): Draw {
    const { table, generation } = this.weights;
    const weights = section.owners.map((owner, i) => table.get(owner)?.get(section.keys[i] as string) ?? DEFAULT_WEIGHT);
    // Heaviest first as CoreDNS sorts them, so a given random number picks what it picks there.
    const slots = Uint16Array.from(weights.keys()).sort((x, y) => (weights[y] as number) - (weights[x] as number) || x - y);
    const cumulative = new Uint32Array(slots.length);
    let total = 0;
    slots.forEach((slot, i) => {
      total += weights[slot] as number;
      cumulative[i] = total;
    });
    return { generation, slots, cumulative, total };
  }
}

/** The plan of a reply, or null when neither section it reorders has an address record. */
function planFor(query: Query, reply: Reply): Plan | null {
  if (!isWalkable(reply)) return null;
  const names = new BodyNames(query, reply);
  const additionalStart = reply.answerCount + reply.authorityCount;
  try {
    const answer = addressSection(reply, names, 0, reply.answerCount);
    const additional = addressSection(reply, names, additionalStart, additionalStart + reply.additionalCount);
    if (answer === null && additional === null) return null;
    return { answer, additional, orders: new Map() };
  } catch (error) {
    if (error instanceof DnsParseError) return null;
    throw error;
  }
}

function addressSection(reply: Reply, names: BodyNames, start: number, end: number): AddressSection | null {
  const { body, ttlOffsets } = reply;
  const section = { cname: [] as number[], rest: [] as number[], address: [] as number[], mx: [] as number[] };
  const owners: DomainName[] = [];
  const keys: string[] = [];
  for (let i = start; i < end; i++) {
    const ttlAt = ttlOffsets[i] as number;
    const type = recordType(body, ttlAt);
    if (type === RRType.A || type === RRType.AAAA) {
      section.address.push(i);
      owners.push(names.owner(i));
      const dataStart = recordDataStart(ttlAt);
      keys.push(addressKey(body.subarray(dataStart, dataStart + body.readUInt16BE(ttlAt + 4))));
    } else if (type === RRType.CNAME) section.cname.push(i);
    else if (type === RRType.MX) section.mx.push(i);
    else section.rest.push(i);
  }
  if (section.address.length === 0) return null;
  return { ...section, owners, keys, draw: null };
}

/** The record order with the given addresses first in their sections; null when it is the reply's own. */
function orderFor(reply: Reply, plan: Plan, answerTop: number, additionalTop: number): number[] | null {
  const additionalStart = reply.answerCount + reply.authorityCount;
  const order: number[] = [];
  const keep = (start: number, end: number) => {
    for (let i = start; i < end; i++) order.push(i);
  };
  const regroup = (section: AddressSection, top: number) => {
    const address = [...section.address];
    [address[0], address[top]] = [address[top] as number, address[0] as number];
    order.push(...section.cname, ...section.rest, ...address, ...section.mx);
  };
  if (plan.answer === null) keep(0, reply.answerCount);
  else regroup(plan.answer, answerTop);
  keep(reply.answerCount, additionalStart);
  if (plan.additional === null) keep(additionalStart, reply.ttlOffsets.length);
  else regroup(plan.additional, additionalTop);
  return order.every((index, position) => index === position) ? null : order;
}
