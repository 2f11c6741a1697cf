import type { Logger } from 'pino';
import type { ClusterView } from '../../cluster/types.ts';
import { HeaderFlag, RCode } from '../../dns/constants.ts';
import { questionHasUpperCase, spelledQuestionName } from '../../dns/query.ts';
import { emptyReply, prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply, ResourceRecord } from '../../dns/types.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { answer, FALLTHROUGH, soaRecord } from './answer.ts';
import { ChangeFeed } from './changes.ts';
import { ANY_CHANGE, changedDependencies, RecordingView } from './dependencies.ts';
import { AnswerMemo, DEFAULT_MEMO_LIMITS, type MemoLimits, type Outcome } from './memo.ts';
import type { AnswerOptions } from './options.ts';
import { sharedReply, type SharedOutcome } from './shared.ts';
import { respellSections, spellingOf } from './spelling.ts';
import { zoneTransfer } from './transfer.ts';
import { externalLookup, externalNameserverAddresses } from './external.ts';
import type { Externaler } from '../../toolkit/offers.ts';

const FALLTHROUGH_OUTCOME: Outcome = { kind: 'fallthrough' };
const NO_DEPENDENCIES: readonly string[] = [];

/** The SOA-only replies of one zone for one value of `modified`, shared by every query they answer. */
interface ZoneReplies {
  readonly modified: number;
  readonly byRcode: Map<number, Reply>;
}

export interface KubernetesHandler {
  readonly factory: HandlerFactory;
  /** Answers NS and `ns.dns.ZONE` from these addresses from now on (see AnswerOptions.localIPs). */
  useLocalIPs(localIPs: readonly string[]): void;
  /**
   * The reply to a question spelled with capitals (`spelled`; `qname` lower-cased), null when the
   * next plugin answers: computed each time, never memoized, as the spelling shows in it. The
   * dependency keys it was computed from go into `dependencies` when one is given.
   */
  answerAsSpelled(qname: DomainName, spelled: DomainName, qtype: number, dependencies?: Set<string>): Reply | null;
  /** For k8s_external, over this handler's cluster and options (see external.ts). */
  readonly externaler: Externaler;
  /** The zone's records for a transfer (see zoneTransfer). */
  transfer(zone: DomainName, serial: number | null): ResourceRecord[];
  /** The outcome of (qname, qtype) for a worker thread, computed and memoized here (see shared.ts). */
  answerFor(qname: DomainName, qtype: number): SharedOutcome;
  /** Calls `listener` with the dependency keys each store change invalidates (null: all of them). */
  onInvalidate(listener: (keys: readonly string[] | null) => void): void;
  /** What this thread's answers depend on, and their invalidations, for `cache`. */
  readonly changes: ChangeFeed;
  /** Stops listening to the store. */
  close(): void;
}

/**
 * The query path: a memo lookup by (type, name) that hands back a Reply encoded once, compressed
 * against the question; on a miss, answer() over a view that records what it read, so the store's
 * change events drop exactly the entries they affect. Until the view has synced, names in the
 * zones get SERVFAIL (or the next plugin, in fallthrough zones).
 */
export function createKubernetesHandler(
  view: ClusterView,
  initialOptions: AnswerOptions,
  logger: Logger,
  memoLimits: MemoLimits = DEFAULT_MEMO_LIMITS,
): KubernetesHandler {
  let options = initialOptions;
  const memo = new AnswerMemo(logger, memoLimits);
  const zoneReplies = new Map<DomainName, ZoneReplies>();
  const negativeOutcomes = new Map<DomainName, Map<number, Outcome>>();

  const invalidationListeners: ((keys: readonly string[] | null) => void)[] = [];
  const changes = new ChangeFeed();

  function invalidate(keys: readonly string[] | null): void {
    if (keys === null) memo.clear();
    else for (const key of keys) memo.invalidate(key);
    for (const listener of invalidationListeners) listener(keys);
    changes.publish(keys);
  }

  const unsubscribe = view.subscribe((change) => invalidate(changedDependencies(change)));

  function negativeReply(zone: DomainName, rcode: number): Reply {
    const modified = view.modified;
    let replies = zoneReplies.get(zone);
    if (replies === undefined || replies.modified !== modified) {
      replies = { modified, byRcode: new Map() };
      zoneReplies.set(zone, replies);
    }
    let reply = replies.byRcode.get(rcode);
    if (reply === undefined) {
      const authority = [soaRecord(view, options, zone)];
      reply = prepareReply({ rcode, flags: HeaderFlag.AA, qname: null, sections: { answer: [], authority, additional: [] } });
      replies.byRcode.set(rcode, reply);
    }
    return reply;
  }

  /** Shared per (zone, rcode): search-path misses are a quarter of the queries and most of the memo's entries. */
  function negativeOutcome(zone: DomainName, rcode: number): Outcome {
    let byRcode = negativeOutcomes.get(zone);
    if (byRcode === undefined) {
      byRcode = new Map();
      negativeOutcomes.set(zone, byRcode);
    }
    let outcome = byRcode.get(rcode);
    if (outcome === undefined) {
      outcome = Object.freeze({ kind: 'negative', rcode, zone });
      byRcode.set(rcode, outcome);
    }
    return outcome;
  }

  function inFallthrough(name: DomainName): boolean {
    return options.fallthrough !== null && matchZone(options.fallthrough, name) !== null;
  }

  function compute(qname: DomainName, qtype: number, zone: DomainName): Outcome {
    const entry = computeEntry(qname, qtype, zone);
    if (changes.recordingOpen) changes.note(entry.dependencies);
    return entry.outcome;
  }

  function computeEntry(qname: DomainName, qtype: number, zone: DomainName): { outcome: Outcome; dependencies: Set<string> } {
    const recording = new RecordingView(view);
    const result = answer(recording, options, qname, qtype, zone);
    let outcome: Outcome;
    if (result === FALLTHROUGH) {
      outcome = FALLTHROUGH_OUTCOME;
    } else if (result.rcode === RCode.NXDOMAIN || (result.rcode === RCode.NOERROR && result.sections.answer.length === 0)) {
      // The SOA is rebuilt per serial when used: the entry itself does not go stale with it.
      recording.dependencies.delete(ANY_CHANGE);
      outcome = negativeOutcome(zone, result.rcode);
    } else if (result.sections.answer.length === 0 && result.sections.authority.length === 0) {
      outcome = { kind: 'reply', reply: emptyReply(result.rcode, result.authoritative ? HeaderFlag.AA : 0) };
    } else {
      const flags = result.authoritative ? HeaderFlag.AA : 0;
      outcome = { kind: 'reply', reply: prepareReply({ rcode: result.rcode, flags, qname, sections: result.sections }, memo.arena) };
    }
    memo.set(qtype, qname, outcome, recording.dependencies);
    return { outcome, dependencies: recording.dependencies };
  }

  function answerFor(qname: DomainName, qtype: number): SharedOutcome {
    const zone = matchZone(options.zones, qname);
    if (zone === null) return { kind: 'fallthrough', dependencies: [] };
    if (!view.synced) return { kind: 'unsynced', servfail: sharedReply(negativeReply(zone, RCode.SERVFAIL)), fallthrough: inFallthrough(qname) };
    let outcome = memo.get(qtype, qname);
    let dependencies = memo.dependencies(qtype, qname);
    if (outcome === undefined || dependencies === undefined) {
      const entry = computeEntry(qname, qtype, zone);
      outcome = entry.outcome;
      dependencies = [...entry.dependencies];
    }
    switch (outcome.kind) {
      case 'reply':
        return { kind: 'reply', reply: sharedReply(outcome.reply), dependencies };
      case 'negative':
        return { kind: 'negative', rcode: outcome.rcode, zone: outcome.zone, reply: sharedReply(negativeReply(outcome.zone, outcome.rcode)), dependencies };
      case 'fallthrough':
        return { kind: 'fallthrough', dependencies };
    }
  }

  function answerAsSpelled(qname: DomainName, spelled: DomainName, qtype: number, dependencies?: Set<string>): Reply | null {
    const zone = matchZone(options.zones, qname);
    if (zone === null) return null;
    const spelling = spellingOf(qname, spelled, zone);
    if (!view.synced) {
      if (inFallthrough(qname)) return null;
      const authority = [soaRecord(view, options, zone)];
      const sections = respellSections({ answer: [], authority, additional: [] }, spelling);
      return prepareReply({ rcode: RCode.SERVFAIL, flags: HeaderFlag.AA, qname: spelled, sections });
    }
    const source = dependencies === undefined ? view : new RecordingView(view, dependencies);
    const result = answer(source, options, qname, qtype, zone, spelling.spelledZone === zone);
    if (result === FALLTHROUGH) return null;
    const flags = result.authoritative ? HeaderFlag.AA : 0;
    return prepareReply({ rcode: result.rcode, flags, qname: spelled, sections: respellSections(result.sections, spelling) });
  }

  function spelledAnswer(request: Request, next: Handler): Reply | Promise<Reply> {
    const { query } = request;
    const dependencies = changes.recordingOpen ? new Set<string>() : undefined;
    const reply = answerAsSpelled(query.name, spelledQuestionName(query), query.type, dependencies);
    if (dependencies !== undefined) changes.note(dependencies);
    return reply ?? next(request);
  }

  const factory: HandlerFactory = (next: Handler): Handler => {
    function resolve(outcome: Outcome, request: Request): Reply | Promise<Reply> {
      switch (outcome.kind) {
        case 'reply':
          return outcome.reply;
        case 'negative':
          return negativeReply(outcome.zone, outcome.rcode);
        case 'fallthrough':
          return next(request);
      }
    }

    return (request) => {
      const { query } = request;
      const { name, type } = query;
      // Rare (a resolver's 0x20 spelling, a person typing): the spelling shows in the reply, so no memo.
      if (questionHasUpperCase(query)) return spelledAnswer(request, next);
      if (view.synced) {
        const known = memo.get(type, name);
        if (known !== undefined) {
          if (changes.recordingOpen) changes.note(memo.dependencies(type, name) ?? NO_DEPENDENCIES);
          return resolve(known, request);
        }
      }
      const zone = matchZone(options.zones, name);
      if (zone === null) return next(request);
      if (!view.synced) return inFallthrough(name) ? next(request) : negativeReply(zone, RCode.SERVFAIL);
      return resolve(compute(name, type, zone), request);
    };
  };

  function useLocalIPs(localIPs: readonly string[]): void {
    options = { ...options, localIPs };
    // The memo does not record the local addresses as a dependency: the NS answers built from them go.
    invalidate(null);
  }

  return {
    factory,
    useLocalIPs,
    answerAsSpelled,
    answerFor,
    transfer: (zone, serial) => zoneTransfer(view, options, zone, serial),
    externaler: {
      external: (qname, zone, qtype, headless) => externalLookup(view, options, qname, zone, qtype, headless),
      nameserverAddresses: (headless) => externalNameserverAddresses(view, options, headless),
      serial: () => view.modified,
    },
    onInvalidate: (listener) => void invalidationListeners.push(listener),
    changes,
    close: unsubscribe,
  };
}
