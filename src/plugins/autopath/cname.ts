import { RRClass, RRType } from '../../dns/constants.ts';
import { readReplyRecords, type ReplyRecord } from '../../dns/reply-records.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';

/** The last answer made for a Reply, since the chain hands out the same Reply objects again and again. */
const made = new WeakMap<Reply, { readonly answered: DomainName; readonly original: DomainName; readonly reply: Reply }>();

/**
 * The reply to `answered` made into one for `original`, as CoreDNS's cnamer: a CNAME from the
 * original name to the owner of the first answer record not owned by the original name goes in
 * front (with that record's TTL), and the question is the original one.
 */
export function cnamed(reply: Reply, answered: DomainName, original: DomainName): Reply {
  if (reply.answerCount === 0 && (reply.qname === null || reply.qname === original)) return reply;
  const cached = made.get(reply);
  if (cached !== undefined && cached.answered === answered && cached.original === original) return cached.reply;
  const records = readReplyRecords(reply, answered);
  const target = records.answer.find((record) => record.name !== original);
  let out: Reply;
  if (target === undefined && answered === original) {
    out = reply;
  } else {
    const answer: readonly ReplyRecord[] =
      target === undefined
        ? records.answer
        : [{ name: original, type: RRType.CNAME, class: RRClass.IN, ttl: target.ttl, target: target.name }, ...records.answer];
    out = prepareReply({ rcode: reply.rcode, flags: reply.flags, qname: original, sections: { ...records, answer } });
  }
  made.set(reply, { answered, original, reply: out });
  return out;
}
