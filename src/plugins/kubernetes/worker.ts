import type { Logger } from 'pino';
import { questionHasUpperCase, spelledQuestionName } from '../../dns/query.ts';
import type { DomainName, Reply, ResourceRecord } from '../../dns/types.ts';
import type { AutoPather, ExternalAnswer, Externaler, Transferer } from '../../toolkit/offers.ts';
import type { ThreadLink } from '../../toolkit/threads.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { ChangeFeed } from './changes.ts';
import { PODS } from './dependencies.ts';
import { AnswerMemo, type MemoLimits, type Outcome } from './memo.ts';
import { replyFromShared, type AnswerQuestion, type AutoPathQuestion, type SharedOutcome, type SpelledOutcome, type SpelledQuestion } from './shared.ts';

const FALLTHROUGH_OUTCOME: Outcome = { kind: 'fallthrough' };
const NO_DEPENDENCIES: readonly string[] = [];
/** Clients whose search path a worker keeps: a pod each, so a bound far above a node's pods. */
const MAX_SEARCH_PATHS = 10_000;

/** The names the main thread's kubernetes serves its workers, and broadcasts to them. */
export const ANSWER = 'answer';
export const ANSWER_SPELLED = 'answer-spelled';
export const AUTOPATH = 'autopath';
export const INVALIDATE = 'invalidate';
export const TRANSFER = 'transfer';
export const EXTERNAL = 'external';
export const EXTERNAL_NAMESERVERS = 'external-nameservers';
export const EXTERNAL_SERIAL = 'external-serial';

/** A k8s_external question asked of the main thread. */
export interface ExternalQuestion {
  readonly qname: DomainName;
  readonly zone: DomainName;
  readonly qtype: number;
  readonly headless: boolean;
}

export interface WorkerKubernetes {
  readonly factory: HandlerFactory;
  readonly autoPather: AutoPather;
  readonly transferer: Transferer;
  readonly externaler: Externaler;
  /** What this thread's answers depend on, and the main thread's invalidations, for `cache`. */
  readonly changes: ChangeFeed;
}

/** A transfer asked of the main thread: the zone and IXFR's serial (null for AXFR). */
export interface TransferQuestion {
  readonly zone: DomainName;
  readonly serial: number | null;
}

/**
 * The kubernetes plugin in a worker thread: the same memo as the main thread's handler, filled
 * from the main thread, which alone watches the cluster. A hit never leaves the worker; a miss
 * asks the main thread for the outcome and the dependency keys it was computed from, and the main
 * thread's invalidations (broadcast in order with its answers) drop what they drop there, and
 * then go on to this thread's ChangeFeed.
 */
export function createWorkerKubernetes(link: ThreadLink, zones: readonly DomainName[], logger: Logger, memoLimits: MemoLimits): WorkerKubernetes {
  const memo = new AnswerMemo(logger, memoLimits);
  /** The SOA-only replies at the serial of the last change, by their shared outcome (one per zone and rcode). */
  const negativeReplies = new Map<Outcome, Reply>();
  const negativeOutcomes = new Map<string, Outcome>();
  /** Search paths by `${client address} ${zone}`, until pods change. */
  const searchPaths = new Map<string, readonly DomainName[] | null>();
  const changes = new ChangeFeed();

  link.listen(INVALIDATE, (payload) => {
    const keys = payload as readonly string[] | null;
    if (keys === null) memo.clear();
    else for (const key of keys) memo.invalidate(key);
    // Every change moves the SOA serial.
    negativeReplies.clear();
    if (keys === null || keys.includes(PODS)) searchPaths.clear();
    changes.publish(keys);
  });

  function negativeOutcome(zone: DomainName, rcode: number): Outcome {
    const key = `${zone} ${rcode}`;
    let outcome = negativeOutcomes.get(key);
    if (outcome === undefined) {
      outcome = Object.freeze({ kind: 'negative', rcode, zone });
      negativeOutcomes.set(key, outcome);
    }
    return outcome;
  }

  function learn(request: Request, next: Handler, shared: SharedOutcome): Reply | Promise<Reply> {
    const { name, type } = request.query;
    if (shared.kind !== 'unsynced' && changes.recordingOpen) changes.note(shared.dependencies);
    switch (shared.kind) {
      case 'reply': {
        const reply = replyFromShared(shared.reply);
        const kept: Reply = { ...reply, body: memo.arena.copy(reply.body) };
        memo.set(type, name, { kind: 'reply', reply: kept }, shared.dependencies);
        return kept;
      }
      case 'negative': {
        const reply = replyFromShared(shared.reply);
        const outcome = negativeOutcome(shared.zone, shared.rcode);
        negativeReplies.set(outcome, reply);
        memo.set(type, name, outcome, shared.dependencies);
        return reply;
      }
      case 'fallthrough':
        memo.set(type, name, FALLTHROUGH_OUTCOME, shared.dependencies);
        return next(request);
      case 'unsynced':
        return shared.fallthrough ? next(request) : replyFromShared(shared.servfail);
    }
  }

  function ask(request: Request, next: Handler): Promise<Reply> {
    const question: AnswerQuestion = { qname: request.query.name, qtype: request.query.type };
    return link.call(ANSWER, question).then((shared) => learn(request, next, shared as SharedOutcome));
  }

  function askSpelled(request: Request, next: Handler): Promise<Reply> {
    const { query } = request;
    const question: SpelledQuestion = { qname: query.name, qtype: query.type, spelled: spelledQuestionName(query) };
    return link.call(ANSWER_SPELLED, question).then((shared) => {
      const { reply, dependencies } = shared as SpelledOutcome;
      if (changes.recordingOpen) changes.note(dependencies);
      return reply === null ? next(request) : replyFromShared(reply);
    });
  }

  const factory: HandlerFactory = (next) => (request) => {
    if (questionHasUpperCase(request.query)) return askSpelled(request, next);
    const { name, type } = request.query;
    const known = memo.get(type, name);
    if (known !== undefined) {
      if (changes.recordingOpen) changes.note(memo.dependencies(type, name) ?? NO_DEPENDENCIES);
      if (known.kind === 'reply') return known.reply;
      if (known.kind === 'fallthrough') return next(request);
      const reply = negativeReplies.get(known);
      if (reply !== undefined) return reply;
    }
    if (matchZone(zones, name) === null) return next(request);
    return ask(request, next);
  };

  const autoPather: AutoPather = {
    autoPath: (request) => {
      const { remoteAddress } = request;
      const qname = request.query.name;
      const zone = matchZone(zones, qname);
      if (zone === null) return null;
      const key = `${remoteAddress} ${zone}`;
      const known = searchPaths.get(key);
      if (known !== undefined) return known;
      const question: AutoPathQuestion = { remoteAddress, qname };
      return link.call(AUTOPATH, question).then((path) => {
        const search = path as readonly DomainName[] | null;
        if (searchPaths.size >= MAX_SEARCH_PATHS) searchPaths.clear();
        searchPaths.set(key, search);
        return search;
      });
    },
  };

  const transferer: Transferer = {
    zones,
    transfer: (zone, serial) => link.call(TRANSFER, { zone, serial } satisfies TransferQuestion) as Promise<ResourceRecord[]>,
  };

  // k8s_external's questions are few (an external zone, not the cluster's): asked each time.
  const externaler: Externaler = {
    external: (qname, zone, qtype, headless) => link.call(EXTERNAL, { qname, zone, qtype, headless } satisfies ExternalQuestion) as Promise<ExternalAnswer>,
    nameserverAddresses: (headless) => link.call(EXTERNAL_NAMESERVERS, headless) as Promise<string[]>,
    serial: () => link.call(EXTERNAL_SERIAL, null) as Promise<number>,
  };

  return { factory, autoPather, transferer, externaler, changes };
}
