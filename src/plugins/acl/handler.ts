import { isIP } from 'node:net';
import { RCode } from '../../dns/constants.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import { counter } from '../../metrics/registry.ts';
import type { Handler, HandlerFactory, Request } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import type { AclAction, AclPolicy } from './parse.ts';

/** RFC 8914 info codes CoreDNS puts in its answers. */
const EDE_BLOCKED = 15;
const EDE_FILTERED = 17;
const BLOCKED: Reply = { ...emptyReply(RCode.REFUSED), ede: EDE_BLOCKED };
const FILTERED: Reply = { ...emptyReply(RCode.NOERROR), ede: EDE_FILTERED };

const DROPPED: Reply = { ...emptyReply(RCode.NOERROR), silent: true };

const ZONED = ['server', 'zone', 'view'];
const blocked = counter({ name: 'coredns_acl_blocked_requests_total', help: 'Counter of DNS requests being blocked.', labelNames: ZONED });
const filtered = counter({ name: 'coredns_acl_filtered_requests_total', help: 'Counter of DNS requests being filtered.', labelNames: ZONED });
const allowed = counter({ name: 'coredns_acl_allowed_requests_total', help: 'Counter of DNS requests being allowed.', labelNames: ['server', 'view'] });
const dropped = counter({ name: 'coredns_acl_dropped_requests_total', help: 'Counter of DNS requests being dropped.', labelNames: ZONED });

/** A rule with its zones resolved: the server block's when it named none. */
export interface ResolvedRule {
  readonly zones: readonly DomainName[];
  readonly policies: readonly AclPolicy[];
}

/** The first policy matching the client's address (without an IPv6 `%zone`) and the query type. */
function matching(policies: readonly AclPolicy[], request: Request): AclAction | null {
  const address = request.remoteAddress.replace(/%.*$/, '');
  const family = isIP(address);
  // CoreDNS blocks what it cannot read the source of.
  if (family === 0) return 'block';
  const type = request.query.type;
  for (const policy of policies) {
    if (policy.qtypes !== null && !policy.qtypes.has(type)) continue;
    if (policy.sources !== null && !policy.sources.check(address, family === 4 ? 'ipv4' : 'ipv6')) continue;
    return policy.action;
  }
  return null;
}

/**
 * CoreDNS's acl: the rules in Corefile order, each for its zones; the first policy that matches
 * decides: `allow` ends the checks, `block` answers REFUSED and `filter` an empty NOERROR (each with
 * its Extended DNS Error), `drop` answers nothing. Queries no policy matches are allowed.
 */
export function aclHandler(rules: readonly ResolvedRule[]): HandlerFactory {
  return (next: Handler): Handler =>
    (request) => {
      const { name } = request.query;
      for (const rule of rules) {
        const zone = matchZone(rule.zones, name);
        if (zone === null) continue;
        const action = matching(rule.policies, request);
        if (action === null) continue;
        if (action === 'allow') break;
        const labels = [request.server, zone === '' ? '.' : `${zone}.`, ''] as const;
        if (action === 'block') {
          blocked.cell(...labels).inc();
          return BLOCKED;
        }
        if (action === 'filter') {
          filtered.cell(...labels).inc();
          return FILTERED;
        }
        dropped.cell(...labels).inc();
        return DROPPED;
      }
      allowed.cell(request.server, '').inc();
      return next(request);
    };
}
