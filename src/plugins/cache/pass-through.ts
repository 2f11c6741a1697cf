import { HeaderFlag, RRType } from '../../dns/constants.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import { hasSignature, type ResponseKind } from './classify.ts';

/** A reply as the client gets it: AD only for clients that asked for DO or AD (RFC 6840 5.7-5.8). */
export function forClient(uniform: Reply, wantsAd: boolean): Reply {
  return wantsAd || (uniform.flags & HeaderFlag.AD) === 0 ? uniform : { ...uniform, flags: uniform.flags & ~HeaderFlag.AD };
}

/**
 * What the cache made of one Reply for one question: its kind, how long it would be cached, whether
 * it could be stored, and the reply with every TTL set to that time. Which cache (if any) takes it
 * is decided per query from the name (disabled zones, the question it was made for).
 */
export interface ReplyShape {
  readonly kind: ResponseKind;
  readonly seconds: number;
  readonly storable: boolean;
  readonly uniform: Reply;
}

/**
 * A ReplyShape kept with the Reply it was made from, so a plugin that hands back the same Reply
 * object for every query (kubernetes memoizes them) is classified once, not once per query.
 */
export class KnownShape implements ReplyShape {
  readonly kind: ResponseKind;
  readonly seconds: number;
  readonly storable: boolean;
  readonly uniform: Reply;
  /** The question it holds for; null for a reply without answers, whose shape no name changes. */
  private readonly name: DomainName | null;
  private readonly type: number;
  private readonly qclass: number;
  private plain: Reply | null = null;

  constructor(query: Query, reply: Reply, shape: ReplyShape) {
    this.kind = shape.kind;
    this.seconds = shape.seconds;
    this.storable = shape.storable;
    this.uniform = shape.uniform;
    // Without answers, neither the kind nor storability reads the question (only zone transfers do, never kept).
    const anyQuestion = reply.answerCount === 0;
    this.name = anyQuestion ? null : query.name;
    this.type = query.type;
    this.qclass = query.class;
  }

  /** Whether this shape is the one `query` would compute for the same reply. */
  holdsFor(query: Query): boolean {
    if (isTransfer(query.type)) return false;
    return this.name === null || (this.name === query.name && this.type === query.type && this.qclass === query.class);
  }

  response(wantsAd: boolean): Reply {
    if (wantsAd) return this.uniform;
    return (this.plain ??= forClient(this.uniform, false));
  }
}

/**
 * Whether a shape computed for `query` holds for every later query it fits: not when signature
 * validity decides the kind (an RRSIG is judged at the wall clock), nor for zone transfers (the
 * question type alone makes them Meta).
 */
export function timeless(query: Query, reply: Reply): boolean {
  return !isTransfer(query.type) && !hasSignature(reply);
}

function isTransfer(type: number): boolean {
  return type === RRType.AXFR || type === RRType.IXFR;
}
