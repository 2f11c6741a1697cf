import type { DomainName, Reply } from '../../dns/types.ts';

/**
 * A Reply as it crosses to another thread: structured clone turns its Buffer into a plain
 * Uint8Array, so the receiving side wraps it again (replyFromShared).
 */
export interface SharedReply {
  readonly rcode: number;
  readonly flags: number;
  readonly qname: DomainName | null;
  readonly body: Uint8Array;
  readonly answerCount: number;
  readonly authorityCount: number;
  readonly additionalCount: number;
  readonly ttlOffsets: Uint32Array;
  readonly minTtl: number | null;
}

/**
 * What the main thread, which alone holds the cluster, tells a worker about (qname, qtype): the
 * outcome and the dependency keys it was computed from, so the worker's memo drops it on the same
 * invalidations as the main thread's. A negative outcome brings its SOA reply at today's serial;
 * the worker keeps it until the next change. `unsynced` is not memoized.
 */
export type SharedOutcome =
  | { readonly kind: 'reply'; readonly reply: SharedReply; readonly dependencies: readonly string[] }
  | { readonly kind: 'negative'; readonly rcode: number; readonly zone: DomainName; readonly reply: SharedReply; readonly dependencies: readonly string[] }
  | { readonly kind: 'fallthrough'; readonly dependencies: readonly string[] }
  | { readonly kind: 'unsynced'; readonly servfail: SharedReply; readonly fallthrough: boolean };

/**
 * The thread-crossing form of `reply`. Structured clone copies a view's whole ArrayBuffer, and a
 * memoized body is a view on a 16 KB arena slab: the body and offsets are copied out tight first.
 */
export function sharedReply(reply: Reply): SharedReply {
  const { body, ttlOffsets } = reply;
  return {
    ...reply,
    // Not Buffer#slice, which is a view too.
    body: body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body),
    ttlOffsets: ttlOffsets.byteLength === ttlOffsets.buffer.byteLength ? ttlOffsets : new Uint32Array(ttlOffsets),
  };
}

/** A Reply again from what another thread sent. */
export function replyFromShared(shared: SharedReply): Reply {
  const { body } = shared;
  return { ...shared, body: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
}

/** A question to the main thread: `answer` takes (qname, qtype); `autopath` a client's address and the name. */
export interface AnswerQuestion {
  readonly qname: DomainName;
  readonly qtype: number;
}

/** A question spelled with capitals: answered by the main thread each time, never memoized. */
export interface SpelledQuestion extends AnswerQuestion {
  readonly spelled: DomainName;
}

/** The answer to a SpelledQuestion (null: the next plugin's) and the dependency keys it was computed from. */
export interface SpelledOutcome {
  readonly reply: SharedReply | null;
  readonly dependencies: readonly string[];
}

export interface AutoPathQuestion {
  readonly remoteAddress: string;
  readonly qname: DomainName;
}
