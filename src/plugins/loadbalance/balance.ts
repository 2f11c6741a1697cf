import type { Cidr } from '../../corefile/reverse.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { isIPv4Mapped } from '../../dns/ip.ts';
import { isWalkable, recordDataStart, recordType } from '../../dns/reply-records.ts';
import type { Query, Reply } from '../../dns/types.ts';
import { relayout } from './relayout.ts';

/**
 * How many orders one reply is served in. CoreDNS shuffles the address records at random on every
 * answer; here each reply gets up to this many rotations of them, built once and picked at random,
 * so a busy name costs a lookup instead of an encoding per query.
 */
export const MAX_VARIANTS = 16;

/** The records of one section, by the group CoreDNS sorts them into. */
interface SectionPlan {
  readonly cname: readonly number[];
  readonly rest: readonly number[];
  readonly address: readonly number[];
  readonly mx: readonly number[];
  /** `prefer` reorders the answer and additional sections, not the authority one. */
  readonly preferred: boolean;
}

interface Plan {
  readonly sections: readonly SectionPlan[];
  readonly count: number;
  readonly variants: (Reply | undefined)[];
}

/** The part of the address from which networks are compared: IPv4-mapped IPv6 counts as IPv4, as in Go. */
function addressBytes(body: Buffer, ttlAt: number): Uint8Array {
  const start = recordDataStart(ttlAt);
  const length = body.readUInt16BE(ttlAt + 4);
  const bytes = body.subarray(start, start + length);
  if (length === 16 && isIPv4Mapped(bytes)) return bytes.subarray(12);
  return bytes;
}

function normalizedCidr(cidr: Cidr): Cidr {
  const { bytes, prefix } = cidr;
  const mapped = bytes.length === 16 && isIPv4Mapped(bytes);
  return mapped ? { bytes: bytes.subarray(12), prefix: Math.max(prefix - 96, 0) } : cidr;
}

function contains(cidr: Cidr, address: Uint8Array): boolean {
  if (cidr.bytes.length !== address.length) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== address[i]) return false;
  const bits = cidr.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return ((cidr.bytes[whole] as number) & mask) === ((address[whole] as number) & mask);
}

function rotate(indices: readonly number[], shift: number): number[] {
  return indices.length < 2 || shift === 0 ? [...indices] : [...indices.slice(shift), ...indices.slice(0, shift)];
}

/** Shuffles address (and MX) records of NOERROR replies, keeping CNAMEs first (CoreDNS's loadbalance). */
export class Balancer {
  private readonly prefer: readonly Cidr[];
  private readonly random: () => number;
  private readonly plans = new WeakMap<Reply, Plan | null>();

  constructor(prefer: readonly Cidr[], random: () => number = Math.random) {
    this.prefer = prefer.map(normalizedCidr);
    this.random = random;
  }

  balance(query: Query, reply: Reply): Reply {
    if (reply.rcode !== RCode.NOERROR || query.type === RRType.AXFR || query.type === RRType.IXFR) return reply;
    let plan = this.plans.get(reply);
    if (plan === undefined) {
      plan = this.plan(reply);
      this.plans.set(reply, plan);
    }
    if (plan === null) return reply;
    const variant = plan.count === 1 ? 0 : Math.floor(this.random() * plan.count);
    let balanced = plan.variants[variant];
    if (balanced === undefined) {
      balanced = relayout(query, reply, this.order(reply, plan, variant)) ?? reply;
      plan.variants[variant] = balanced;
    }
    return balanced;
  }

  /** The groups of every section, or null when the reply already is in the only order it can take. */
  private plan(reply: Reply): Plan | null {
    if (!isWalkable(reply)) return null;
    const { body, ttlOffsets } = reply;
    const bounds = [0, reply.answerCount, reply.answerCount + reply.authorityCount, ttlOffsets.length];
    const sections: SectionPlan[] = [];
    let largest = 1;
    let reordered = false;
    for (let section = 0; section < 3; section++) {
      const groups = { cname: [] as number[], rest: [] as number[], address: [] as number[], mx: [] as number[] };
      for (let i = bounds[section] as number; i < (bounds[section + 1] as number); i++) {
        const type = recordType(body, ttlOffsets[i] as number);
        if (type === RRType.CNAME) groups.cname.push(i);
        else if (type === RRType.A || type === RRType.AAAA) groups.address.push(i);
        else if (type === RRType.MX) groups.mx.push(i);
        else groups.rest.push(i);
      }
      const preferred = this.prefer.length > 0 && section !== 1;
      const plan = { ...groups, preferred };
      largest = Math.max(largest, groups.address.length, groups.mx.length);
      const start = bounds[section] as number;
      reordered ||= this.sectionOrder(reply, plan, 0, 1).some((index, position) => index !== start + position);
      sections.push(plan);
    }
    if (largest === 1 && !reordered) return null;
    const count = Math.min(largest, MAX_VARIANTS);
    return { sections, count, variants: new Array<Reply | undefined>(count) };
  }

  private order(reply: Reply, plan: Plan, variant: number): number[] {
    return plan.sections.flatMap((section) => this.sectionOrder(reply, section, variant, plan.count));
  }

  /** Variant `variant` of `count`: each group rotated by its share, spread evenly for groups larger than `count`. */
  private sectionOrder(reply: Reply, section: SectionPlan, variant: number, count: number): number[] {
    const shift = (group: readonly number[]) =>
      group.length <= count ? variant % Math.max(group.length, 1) : Math.floor((variant * group.length) / count);
    const address = rotate(section.address, shift(section.address));
    const mx = rotate(section.mx, shift(section.mx));
    if (!section.preferred) return [...section.cname, ...section.rest, ...address, ...mx];
    return [...section.cname, ...this.preferOrder(reply, address), ...mx, ...section.rest];
  }

  /** Addresses in the preferred networks first, network by network, then the others as they were. */
  private preferOrder(reply: Reply, indices: readonly number[]): number[] {
    const { body, ttlOffsets } = reply;
    const taken = new Set<number>();
    const ordered: number[] = [];
    for (const cidr of this.prefer) {
      for (const index of indices) {
        if (!taken.has(index) && contains(cidr, addressBytes(body, ttlOffsets[index] as number))) {
          taken.add(index);
          ordered.push(index);
        }
      }
    }
    for (const index of indices) if (!taken.has(index)) ordered.push(index);
    return ordered;
  }
}
