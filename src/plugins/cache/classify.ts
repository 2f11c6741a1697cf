import { HeaderFlag, RCode, RRClass, RRType } from '../../dns/constants.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import { BodyNames, recordClass, recordDataStart, recordEnd, recordTtl, recordType } from '../../dns/reply-records.ts';

/**
 * How a response is cached, as CoreDNS's response.Typify sorts messages. Update and NOTIFY never
 * reach a plugin here (the server answers NOTIMP to other opcodes), so they have no kind.
 */
export const ResponseKind = {
  /** A positive answer (or NOERROR without SOA or NS). */
  NoError: 0,
  /** NXDOMAIN. */
  NameError: 1,
  /** SERVFAIL or NOTIMP: cached for the `servfail` duration. */
  ServerError: 2,
  /** NOERROR with an SOA in authority and no answer to the question. */
  NoData: 3,
  /** NOERROR pointing to other servers: NS in authority. */
  Delegation: 4,
  /** A zone transfer question. */
  Meta: 5,
  /** Anything else: never cached. */
  OtherError: 7,
} as const;

export type ResponseKind = (typeof ResponseKind)[keyof typeof ResponseKind];

const TYPE_RRSIG = 46;
/** Two root names and the five 32-bit fields. */
const MIN_SOA_DATA = 22;
/** RFC 1982 serial arithmetic on 32-bit times, as miekg's RRSIG.ValidityPeriod uses it. */
const YEAR68 = 2 ** 31;

/** What one response tells the cache; names are decoded only for the checks that need them. */
export class ResponseFacts {
  readonly query: Query;
  readonly reply: Reply;
  private namesMemo: BodyNames | null = null;
  private answersMemo: boolean | null = null;

  constructor(query: Query, reply: Reply) {
    this.query = query;
    this.reply = reply;
  }

  /** Most responses are judged on their record types alone: names are read only when needed. */
  get names(): BodyNames {
    return (this.namesMemo ??= new BodyNames(this.query, this.reply));
  }

  get truncated(): boolean {
    return (this.reply.flags & HeaderFlag.TC) !== 0;
  }

  /** The authority section holds a record of `type`. */
  authorityHas(type: number): boolean {
    const { body, ttlOffsets, answerCount, authorityCount } = this.reply;
    for (let i = answerCount; i < answerCount + authorityCount; i++) {
      if (recordType(body, ttlOffsets[i] as number) === type) return true;
    }
    return false;
  }

  /**
   * CoreDNS's response.Typify. `wallSeconds` gives the time RRSIG validity is judged at when the
   * query set DO (read only then: most queries never need the wall clock).
   */
  typify(wallSeconds: () => number): ResponseKind {
    const { reply, query } = this;
    if (query.type === RRType.AXFR || query.type === RRType.IXFR) return ResponseKind.Meta;
    if (query.edns?.dnssecOk === true && this.hasExpiredSignature(wallSeconds())) return ResponseKind.OtherError;
    const rcode = reply.rcode;
    if (reply.answerCount > 0 && rcode === RCode.NOERROR) return ResponseKind.NoError;
    if (reply.answerCount > 0 && rcode === RCode.NXDOMAIN) return ResponseKind.OtherError;
    if (this.authorityHas(RRType.SOA) && rcode === RCode.NOERROR) return ResponseKind.NoData;
    if (rcode === RCode.NXDOMAIN) return ResponseKind.NameError;
    if (rcode === RCode.SERVFAIL || rcode === RCode.NOTIMP) return ResponseKind.ServerError;
    if (this.authorityHas(RRType.NS) && rcode === RCode.NOERROR) return ResponseKind.Delegation;
    if (rcode === RCode.NOERROR) return ResponseKind.NoError;
    return ResponseKind.OtherError;
  }

  /**
   * Typify, except that a NOERROR answer that does not answer the question (a CNAME chain that
   * ends short of the type) is NODATA when an SOA gives it a negative TTL (RFC 2308).
   */
  kind(wallSeconds: () => number): ResponseKind {
    const kind = this.typify(wallSeconds);
    if (kind === ResponseKind.NoError && this.isNoData()) return ResponseKind.NoData;
    return kind;
  }

  private isNoData(): boolean {
    return this.reply.answerCount > 0 && this.authorityHas(RRType.SOA) && !this.answersQuestion();
  }

  /**
   * Whether the response may be stored at all (CoreDNS's key()): not truncated, not an error or a
   * transfer, NXDOMAIN only with an SOA, and no SOA-less NOERROR answer that misses the question.
   */
  storable(kind: ResponseKind): boolean {
    if (this.truncated) return false;
    if (kind === ResponseKind.OtherError || kind === ResponseKind.Meta) return false;
    const hasSoa = this.authorityHas(RRType.SOA);
    if (kind === ResponseKind.NameError && !hasSoa) return false;
    if (kind === ResponseKind.NoError && !hasSoa && this.reply.answerCount > 0 && !this.answersQuestion()) return false;
    return true;
  }

  /**
   * Whether the answer section answers the question: for types other than CNAME and ANY, a record
   * of the type at the end of the CNAME chain that starts at the question name. A malformed chain
   * (two targets for one owner, a loop) answers nothing.
   */
  answersQuestion(): boolean {
    if (this.answersMemo === null) this.answersMemo = this.computeAnswers();
    return this.answersMemo;
  }

  private computeAnswers(): boolean {
    const { reply, query } = this;
    if (reply.rcode !== RCode.NOERROR || reply.answerCount === 0) return false;
    const chain = new AnswerChain(this, query.class);
    try {
      if (query.type === RRType.ANY) return chain.hasRecordAt(query.name, -1);
      if (query.type === RRType.CNAME) {
        const target = chain.cnameTarget(query.name);
        return target !== null && target !== '';
      }
      const terminal = chain.terminal(query.name);
      return terminal !== null && chain.hasRecordAt(terminal, query.type);
    } catch {
      // Names that do not decode cannot be shown to answer anything.
      return false;
    }
  }

  /** Whether a usable positive answer: not truncated, NOERROR that answers the question. */
  usableAnswer(wallSeconds: () => number): boolean {
    return !this.truncated && this.kind(wallSeconds) === ResponseKind.NoError && this.answersQuestion();
  }

  private hasExpiredSignature(wallSeconds: number): boolean {
    const { body, ttlOffsets } = this.reply;
    for (let i = 0; i < ttlOffsets.length; i++) {
      const ttlAt = ttlOffsets[i] as number;
      if (recordType(body, ttlAt) !== TYPE_RRSIG) continue;
      const data = recordDataStart(ttlAt);
      if (recordEnd(body, ttlAt) < data + 16) continue;
      if (!signatureValidAt(body.readUInt32BE(data + 12), body.readUInt32BE(data + 8), wallSeconds)) return true;
    }
    return false;
  }
}

/** Whether the reply carries an RRSIG, whose validity depends on when it is judged. */
export function hasSignature(reply: Reply): boolean {
  const { body, ttlOffsets } = reply;
  for (let i = 0; i < ttlOffsets.length; i++) {
    if (recordType(body, ttlOffsets[i] as number) === TYPE_RRSIG) return true;
  }
  return false;
}

function signatureValidAt(inception: number, expiration: number, now: number): boolean {
  const wrappedInception = inception + Math.trunc((inception - now) / YEAR68) * YEAR68;
  const wrappedExpiration = expiration + Math.trunc((expiration - now) / YEAR68) * YEAR68;
  return wrappedInception <= now && now <= wrappedExpiration;
}

/** The answer section's owners and CNAME targets, decoded on demand. */
class AnswerChain {
  private readonly facts: ResponseFacts;
  private readonly qclass: number;
  private owners: DomainName[] | null = null;

  constructor(facts: ResponseFacts, qclass: number) {
    this.facts = facts;
    this.qclass = qclass;
  }

  private ownerList(): DomainName[] {
    if (this.owners === null) {
      const owners: DomainName[] = [];
      for (let i = 0; i < this.facts.reply.answerCount; i++) owners.push(this.facts.names.owner(i));
      this.owners = owners;
    }
    return this.owners;
  }

  private classMatches(index: number): boolean {
    const { body, ttlOffsets } = this.facts.reply;
    return this.qclass === RRClass.ANY || recordClass(body, ttlOffsets[index] as number) === this.qclass;
  }

  /** A record at `owner` of `type` (-1: any type) in the question's class. */
  hasRecordAt(owner: DomainName, type: number): boolean {
    const { body, ttlOffsets } = this.facts.reply;
    const owners = this.ownerList();
    for (let i = 0; i < owners.length; i++) {
      if (owners[i] !== owner || !this.classMatches(i)) continue;
      if (type === -1 || recordType(body, ttlOffsets[i] as number) === type) return true;
    }
    return false;
  }

  /** The one target `owner` is aliased to; '' without a CNAME; null with two different ones. */
  cnameTarget(owner: DomainName): DomainName | null {
    const { body, ttlOffsets } = this.facts.reply;
    const owners = this.ownerList();
    let target = '';
    let found = false;
    for (let i = 0; i < owners.length; i++) {
      if (owners[i] !== owner || recordType(body, ttlOffsets[i] as number) !== RRType.CNAME || !this.classMatches(i)) continue;
      const next = this.facts.names.target(i);
      if (found && next !== target) return null;
      target = next;
      found = true;
    }
    return target;
  }

  /** The name the CNAME chain from `name` ends at; null for a loop or an ambiguous alias. */
  terminal(name: DomainName): DomainName | null {
    const visited = new Set<DomainName>();
    let current = name;
    for (;;) {
      if (visited.has(current)) return null;
      visited.add(current);
      const target = this.cnameTarget(current);
      if (target === null) return null;
      if (target === '') return current;
      current = target;
    }
  }
}

/**
 * The smallest TTL of the records, at most `maxSeconds` (CoreDNS's MinimalTTLWithMaximum), with
 * RFC 2308's negative TTL: for denials an SOA's MINIMUM field bounds it too. Kinds other than
 * NOERROR, NXDOMAIN and NODATA, and replies without records, get CoreDNS's 5 s fail-safe.
 */
export function minimalTtl(reply: Reply, kind: ResponseKind, maxSeconds: number): number {
  if (kind !== ResponseKind.NoError && kind !== ResponseKind.NameError && kind !== ResponseKind.NoData) return MINIMAL_DEFAULT_TTL;
  const { body, ttlOffsets } = reply;
  if (ttlOffsets.length === 0) return MINIMAL_DEFAULT_TTL;
  const denial = kind !== ResponseKind.NoError;
  const authorityEnd = reply.answerCount + reply.authorityCount;
  let min = maxSeconds;
  for (let i = 0; i < ttlOffsets.length; i++) {
    const ttlAt = ttlOffsets[i] as number;
    const ttl = recordTtl(body, ttlAt);
    if (ttl < min) min = ttl;
    if (denial && i >= reply.answerCount && i < authorityEnd && recordType(body, ttlAt) === RRType.SOA) {
      const end = recordEnd(body, ttlAt);
      if (end - recordDataStart(ttlAt) < MIN_SOA_DATA) continue;
      const soaMinimum = body.readUInt32BE(end - 4);
      if (soaMinimum < min) min = soaMinimum;
    }
  }
  return min;
}

/** CoreDNS's lowest TTL, and the fail-safe TTL of replies it cannot judge. */
export const MINIMAL_DEFAULT_TTL = 5;
