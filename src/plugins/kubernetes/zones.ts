import type { DomainName } from '../../dns/types.ts';

/**
 * CoreDNS's dnsutil.IsReverse: a name strictly below in-addr.arpa or ip6.arpa. The bare
 * `in-addr.arpa` is not, which is why it can be a plugin's primary zone.
 */
export function isReverseName(name: DomainName): boolean {
  return name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa');
}

/** `name` prefixed with `label`, for the root zone too. */
export function join(label: string, zone: DomainName): DomainName {
  return zone === '' ? label : `${label}.${zone}`;
}
