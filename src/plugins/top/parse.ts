import { CorefileError, type Directive } from '../../corefile/types.ts';
import { normalizeName } from '../../dns/names.ts';
import type { DomainName } from '../../dns/types.ts';
import { argCount, blockDirectives, noBlock, parseIntArg, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';

export const DEFAULT_K = 100;
/** 3 x 10000 counters stay under 5 MB a thread, and 30000 series are already more than a scrape should carry. */
export const MAX_K = 10_000;
/** kubelet's default `--cluster-domain`. */
export const DEFAULT_CLUSTER_DOMAIN: DomainName = 'cluster.local';

export interface TopOptions {
  /** Clients tracked per dimension, and series exported per metric. */
  readonly k: number;
  /**
   * `cluster_domain`: the domains pods' search paths end in, for telling search-path expansions;
   * null for the forward zones of the block's kubernetes plugin, else cluster.local.
   */
  readonly clusterDomains: readonly DomainName[] | null;
}

const NAME = 'top';

/** `top [K] { cluster_domain DOMAIN... }`. */
export function parseTop(directive: Directive): TopOptions {
  const [kToken] = argCount(directive, 0, 1);
  const k = kToken === undefined ? DEFAULT_K : parseIntArg(kToken, { min: 1, max: MAX_K, name: NAME });
  let clusterDomains: DomainName[] | null = null;
  for (const line of blockDirectives(directive)) {
    if (line.name.text !== 'cluster_domain') throw unknownProperty(line, directive);
    noBlock(line);
    if (clusterDomains !== null) throw new CorefileError(line.name.file, line.name.line, 'cluster_domain given twice', NAME);
    clusterDomains = argCount(line, 1).map((token) => {
      const zones = parseZonesArg([token], [], NAME);
      if (zones.length !== 1 || zones[0] === '' || zones[0] !== normalizeName(token.text)) {
        throw new CorefileError(token.file, token.line, `'${token.text}' is not a cluster domain`, NAME);
      }
      return zones[0]!;
    });
  }
  return { k, clusterDomains };
}
