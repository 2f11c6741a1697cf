import { RCode, RRType } from '../../dns/constants.ts';
import { DnsParseError } from '../../dns/errors.ts';
import { BodyNames, recordType } from '../../dns/reply-records.ts';
import type { DomainName, Query, Reply } from '../../dns/types.ts';
import { Category } from './parse.ts';

/** As the external plugin's responseType: answers, then NXDOMAIN, then a NOERROR with or without an NS authority, else an error. */
export function categoryOf(reply: Reply): Category {
  if (reply.answerCount > 0) return Category.RESPONSE;
  if (reply.rcode === RCode.NXDOMAIN) return Category.NXDOMAIN;
  if (reply.rcode !== RCode.NOERROR) return Category.ERROR;
  return firstAuthorityType(reply) === RRType.NS ? Category.REFERRAL : Category.NODATA;
}

/** With no answers, the authority section starts the body. */
function firstAuthorityType(reply: Reply): number | null {
  const ttlAt = reply.ttlOffsets[reply.answerCount];
  return reply.authorityCount > 0 && ttlAt !== undefined ? recordType(reply.body, ttlAt) : null;
}

/**
 * The owner of the first authority record (the zone of an NXDOMAIN's SOA, a referral's NS), or ''
 * when there is none or it does not decode. The same reply object always gives the same name,
 * and plugins hand out the same reply object again and again (the kubernetes plugin's
 * memoized negative answers), so it is decoded once per reply.
 */
const authorityOwners = new WeakMap<Reply, DomainName>();

function authorityOwner(query: Query, reply: Reply): DomainName {
  let owner = authorityOwners.get(reply);
  if (owner !== undefined) return owner;
  owner = '';
  if (reply.authorityCount > 0 && reply.ttlOffsets.length > reply.answerCount) {
    try {
      owner = new BodyNames(query, reply).owner(reply.answerCount);
    } catch (error) {
      if (!(error instanceof DnsParseError)) throw error;
    }
  }
  authorityOwners.set(reply, owner);
  return owner;
}

/**
 * The account a response is debited from, as the external plugin's buildToken (after BIND): the
 * client, the category, and for answers the type and name; for NODATA the name whatever the type;
 * for NXDOMAIN the zone (the authority's owner) whatever the name; for referrals the type and zone;
 * for errors nothing more, so every error to a client shares one account.
 */
export function responseToken(client: string, category: Category, query: Query, reply: Reply): string {
  switch (category) {
    case Category.RESPONSE:
      return `${client}/0/${query.type}/${query.name}`;
    case Category.NODATA:
      return `${client}/1//${query.name}`;
    case Category.NXDOMAIN:
      return `${client}/2//${authorityOwner(query, reply)}`;
    case Category.REFERRAL:
      return `${client}/3/${query.type}/${authorityOwner(query, reply)}`;
    default:
      return `${client}/4//`;
  }
}
