import { HeaderFlag, RRClass, RRType } from '../../dns/constants.ts';
import { toFqdn } from '../../dns/names.ts';
import { ownedCopy } from '../../dns/owned-bytes.ts';
import { withQuestion } from '../../dns/question.ts';
import { isUnknownRecord, readReplyRecords, type ReplyRecord } from '../../dns/reply-records.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import { withQuery } from '../../toolkit/request.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { InvalidRewriteError } from './errors.ts';
import {
  fromFqdn,
  isValidName,
  rewriteRecordName,
  type CnameResponseRule,
  type RcodeResponseRule,
  type ResponseRule,
  type TtlResponseRule,
} from './response.ts';
import { normalize } from './rules.ts';

/*
 * The response side of CoreDNS's rewrite (its ResponseReverter): every record of the response,
 * authority first, then answer, then additional, goes through the collected response rules in
 * reverse order; an `rcode` rule changes the RCODE each time it sees its FROM (so once per record,
 * or once for a response without records). Replies are shared, so the result is always a new one.
 */

/** The answer to a cname rule's new target: its answer records and TC bit; null when nothing answered. */
interface LookupAnswer {
  readonly records: readonly ReplyRecord[];
  readonly truncated: boolean;
}

/** Asks the rest of the chain for a cname rule's new target (CoreDNS form). */
type Lookup = (target: string) => LookupAnswer | null | Promise<LookupAnswer | null>;

function clampTtl(ttl: number, rule: TtlResponseRule): number {
  if (ttl < rule.min) return rule.min;
  return ttl > rule.max ? rule.max : ttl;
}

/** The RCODE after one pass of the rules over a record (or over a response without records). */
function rcodeAfter(rcode: number, rule: RcodeResponseRule): number {
  return rcode === rule.from ? rule.to : rcode;
}

/**
 * The RCODE of a response without records once the rules have seen it: only `rcode` rules apply,
 * once each, last collected first (CoreDNS's message-level rules). A failure of the rest of the
 * chain is such a response: CoreDNS's rewrite writes its RCODE through the reverter.
 */
export function rcodeWithoutRecords(rcode: number, rules: readonly ResponseRule[]): number {
  let result = rcode;
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    if (rule.kind === 'rcode') result = rcodeAfter(result, rule);
  }
  return result;
}

type StaticRule = TtlResponseRule | RcodeResponseRule;

function isStatic(rule: ResponseRule): rule is StaticRule {
  return rule.kind === 'ttl' || rule.kind === 'rcode';
}

/**
 * Copies of replies with `ttl` and `rcode` rules applied, one per reply and sequence of rules:
 * those rules are made once at setup, so a sequence of them is a path through this tree, and a
 * shared reply (a memoized answer) is patched once per path, not once per query.
 */
export class PatchMemo {
  readonly #next = new Map<StaticRule, PatchMemo>();
  readonly #patched = new WeakMap<Reply, Reply>();

  /** The memo for `rules` applied in order: this one's descendant. */
  for(rules: readonly StaticRule[]): PatchMemo {
    let memo: PatchMemo = this;
    for (const rule of rules) {
      let child = memo.#next.get(rule);
      if (child === undefined) memo.#next.set(rule, (child = new PatchMemo()));
      memo = child;
    }
    return memo;
  }

  patched(reply: Reply, rules: readonly StaticRule[]): Reply {
    let patched = this.#patched.get(reply);
    if (patched === undefined) this.#patched.set(reply, (patched = patchReply(reply, rules)));
    return patched;
  }
}

/** `reply` with its TTLs rewritten in a copy of its body and its RCODE changed: no decoding, the records stay as they are. */
function patchReply(reply: Reply, rules: readonly StaticRule[]): Reply {
  const { ttlOffsets } = reply;
  const changesTtls = rules.some((rule) => rule.kind === 'ttl');
  const body = changesTtls ? ownedCopy(reply.body) : reply.body;
  const counted = reply.answerCount + reply.authorityCount;
  let rcode = reply.rcode;
  let minTtl: number | null = null;
  for (let i = 0; i < ttlOffsets.length; i++) {
    const at = ttlOffsets[i]!;
    let ttl = body.readUInt32BE(at);
    for (let r = rules.length - 1; r >= 0; r--) {
      const rule = rules[r]!;
      if (rule.kind === 'ttl') ttl = clampTtl(ttl, rule);
      else rcode = rcodeAfter(rcode, rule);
    }
    if (changesTtls) body.writeUInt32BE(ttl, at);
    if (i < counted && (minTtl === null || ttl < minTtl)) minTtl = ttl;
  }
  if (ttlOffsets.length === 0) rcode = rcodeWithoutRecords(rcode, rules);
  return { ...reply, rcode, body, minTtl };
}

/** A record's place in the response being rewritten: the rules after the first see what the first made of it. */
interface Slot {
  record: ReplyRecord;
}

interface Message {
  rcode: number;
  truncated: boolean;
  answer: Slot[];
  authority: Slot[];
  additional: Slot[];
}

const slotsOf = (records: readonly ReplyRecord[]): Slot[] => records.map((record) => ({ record }));
const recordsOf = (slots: readonly Slot[]): ReplyRecord[] => slots.map((slot) => slot.record);

/**
 * A cname rule on one record, as CoreDNS's cname_target: when the record is a CNAME whose target
 * the rule matches, the new target is asked (the generator yields it); with an answer, the answer
 * section becomes the CNAMEs before and up to that one, pointing to the new target, followed by
 * the new target's answer records, and the response takes the answer's TC bit.
 */
function* retarget(message: Message, slot: Slot, rule: CnameResponseRule): Generator<string, void, LookupAnswer | null> {
  const { record } = slot;
  if (isUnknownRecord(record) || record.type !== RRType.CNAME) return;
  const target = toFqdn(record.target);
  const rewritten = rule.retarget(target);
  if (rewritten === null) return;
  const newTarget = normalize(rewritten);
  if (!isValidName(newTarget)) throw new InvalidRewriteError(newTarget);
  const found = yield newTarget;
  if (found === null) return;
  const answer: Slot[] = [];
  for (const kept of message.answer) {
    const cname = kept.record;
    if (isUnknownRecord(cname) || cname.type !== RRType.CNAME) continue;
    answer.push(kept);
    if (toFqdn(cname.target) === target) {
      kept.record = { ...cname, target: fromFqdn(newTarget) };
      break;
    }
  }
  for (const record of found.records) answer.push({ record });
  // The section is replaced, not changed: the loop over the old one goes on, as Go's range does.
  message.answer = answer;
  message.truncated = found.truncated;
}

function* applyRules(message: Message, slot: Slot, rules: readonly ResponseRule[]): Generator<string, void, LookupAnswer | null> {
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    switch (rule.kind) {
      case 'name':
      case 'value':
        slot.record = rewriteRecordName(slot.record, rule);
        break;
      case 'ttl': {
        const ttl = clampTtl(slot.record.ttl, rule);
        if (ttl !== slot.record.ttl) slot.record = { ...slot.record, ttl };
        break;
      }
      case 'rcode':
        message.rcode = rcodeAfter(message.rcode, rule);
        break;
      case 'cname':
        yield* retarget(message, slot, rule);
        break;
    }
  }
}

/** The response rules over a decoded response; yields the names cname rules need answered. */
function* revertRecords(reply: Reply, served: DomainName, asked: DomainName, rules: readonly ResponseRule[]): Generator<string, Reply, LookupAnswer | null> {
  const records = readReplyRecords(reply, served);
  const message: Message = {
    rcode: reply.rcode,
    truncated: (reply.flags & HeaderFlag.TC) !== 0,
    answer: slotsOf(records.answer),
    authority: slotsOf(records.authority),
    additional: slotsOf(records.additional),
  };
  if (rules.length > 0) {
    for (const slot of message.authority) yield* applyRules(message, slot, rules);
    for (const slot of message.answer) yield* applyRules(message, slot, rules);
    for (const slot of message.additional) yield* applyRules(message, slot, rules);
    if (message.answer.length + message.authority.length + message.additional.length === 0) {
      message.rcode = rcodeWithoutRecords(message.rcode, rules);
    }
  }
  const flags = message.truncated ? reply.flags | HeaderFlag.TC : reply.flags & ~HeaderFlag.TC;
  const rewritten = prepareReply({
    rcode: message.rcode,
    flags,
    qname: asked,
    sections: { answer: recordsOf(message.answer), authority: recordsOf(message.authority), additional: recordsOf(message.additional) },
  });
  return reply.ede === undefined ? rewritten : { ...rewritten, ede: reply.ede };
}

/** What a cname rule's target lookup gets when the chain failed: CoreDNS's server writes an error response, without records. */
const FAILED_LOOKUP: LookupAnswer = Object.freeze({ records: [], truncated: false });

function lookupAnswer(reply: Reply, target: string): LookupAnswer | null {
  if (reply.silent === true) return null;
  return { records: readReplyRecords(reply, fromFqdn(target)).answer, truncated: (reply.flags & HeaderFlag.TC) !== 0 };
}

/**
 * CoreDNS's Upstream.Lookup for a cname rule: the new target, with the rewritten query's type, class
 * IN and EDNS options (the query `request` carries), asked of the rest of this block's chain.
 */
function chainLookup(next: Handler, request: Request): Lookup {
  const { query } = request;
  return (target) => {
    let result: Reply | Promise<Reply>;
    try {
      result = next(withQuery(request, withQuestion(query, fromFqdn(target), query.type, RRClass.IN)));
    } catch {
      return FAILED_LOOKUP;
    }
    if (isPromiseLike(result)) return Promise.resolve(result).then((reply) => lookupAnswer(reply, target), () => FAILED_LOOKUP);
    return lookupAnswer(result, target);
  };
}

/** Runs the steps, answering each name they yield with `lookup`; synchronous until a lookup is not. */
function drive(steps: Generator<string, Reply, LookupAnswer | null>, lookup: Lookup): Reply | Promise<Reply> {
  let step = steps.next();
  while (step.done !== true) {
    const found = lookup(step.value);
    if (isPromiseLike(found)) return driveLater(steps, found, lookup);
    step = steps.next(found);
  }
  return step.value;
}

async function driveLater(steps: Generator<string, Reply, LookupAnswer | null>, pending: Promise<LookupAnswer | null>, lookup: Lookup): Promise<Reply> {
  let step = steps.next(await pending);
  while (step.done !== true) step = steps.next(await lookup(step.value));
  return step.value;
}

/** What the response side is given besides the reply. */
export interface Reverting {
  /** The client's question name: the reply goes out compressed for it. */
  readonly asked: DomainName;
  /** The name the rest of the chain answered. */
  readonly served: DomainName;
  readonly rules: readonly ResponseRule[];
  readonly memo: PatchMemo;
  /** The rest of the chain and the request it was given, for cname rules' lookups. */
  readonly next: Handler;
  readonly onward: Request;
}

/**
 * The client's reply from the rest of the chain's: with the question renamed, every record is
 * decoded and written again for the client's name; with only `ttl` and `rcode` rules, the reply's
 * bytes are patched (once per shared reply). A reply that sends nothing stays so.
 */
export function revert(reply: Reply, reverting: Reverting): Reply | Promise<Reply> {
  const { asked, served, rules, memo } = reverting;
  if (reply.silent === true) return reply;
  const walkable = reply.ttlOffsets.length === reply.answerCount + reply.authorityCount + reply.additionalCount;
  if (asked === served && walkable && rules.every(isStatic)) {
    const statics = rules as readonly StaticRule[];
    return memo.for(statics).patched(reply, statics);
  }
  return drive(revertRecords(reply, served, asked, rules), chainLookup(reverting.next, reverting.onward));
}
