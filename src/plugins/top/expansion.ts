import type { DomainName } from '../../dns/types.ts';

/** Tells whether a query name answered NXDOMAIN was made by appending a search domain. */
export type ExpansionTest = (name: DomainName) => boolean;

const DOT = 0x2e;
const UNDERSCORE = 0x5f;

/**
 * A pod's resolv.conf searches `<ns>.svc.D`, `svc.D` and `D` (D the cluster domain) with ndots:5,
 * so a name with fewer than five dots is first tried with each suffix: `api.example.com` costs
 * three NXDOMAINs under D before its real answer. This tells such tries from real names of D by
 * their shape alone, for a name already answered NXDOMAIN, with no per-client state:
 *
 * - the label right under D is neither `svc` nor `pod` (`api.example.com.D`, `nosuch.D`,
 *   `web.shop.svc.D.D`): the bare `D` suffix, as nothing else lives there;
 * - under `svc.D`, one label (`nosuch.svc.D`: the `svc.D` suffix on a one-label name, as a
 *   namespace is seldom asked for), three or four labels not starting with `_`
 *   (`example.com.shop.svc.D`, `api.example.com.svc.D`; a missing endpoint hostname
 *   `host.service.ns` is the rare exception), or five labels and more
 *   (`web.shop.svc.D.shop.svc.D`).
 *
 * Two labels under `svc.D` are never counted: `example.com.svc.D` is `svc.D` appended to
 * `example.com`, but it reads as service `example` in namespace `com`, as a missing service would.
 * So a two-label name like `example.com` counts two of its three tries, a longer one all three.
 */
export function searchPathExpansion(domains: readonly DomainName[]): ExpansionTest {
  // The longest domain first, so a domain below another is matched as itself.
  const suffixes = domains.filter((domain) => domain !== '').sort((a, b) => b.length - a.length);
  return (name) => {
    for (const domain of suffixes) {
      // `end` is the dot before the domain.
      const end = name.length - domain.length - 1;
      if (end <= 0 || name.charCodeAt(end) !== DOT || !name.endsWith(domain)) continue;
      return expandedUnder(name, end);
    }
    return false;
  };
}

/** The shape test for `name`, whose cluster domain starts after the dot at `end`. */
function expandedUnder(name: DomainName, end: number): boolean {
  const labelStart = name.lastIndexOf('.', end - 1) + 1;
  const labelLength = end - labelStart;
  const isSvc = labelLength === 3 && name.startsWith('svc', labelStart);
  if (!isSvc) return !(labelLength === 3 && name.startsWith('pod', labelStart));
  if (labelStart === 0) return false;
  let labels = 1;
  for (let index = 0; index < labelStart - 1; index++) if (name.charCodeAt(index) === DOT) labels++;
  if (labels === 1) return true;
  if (labels === 2) return false;
  if (labels <= 4) return name.charCodeAt(0) !== UNDERSCORE;
  return true;
}
