import { normalizeName } from '../dns/names.ts';
import type { DomainName } from '../dns/types.ts';

/** What a stub resolver reads from resolv.conf(5), with glibc's defaults and limits applied. */
export interface ResolvConf {
  /** At most three (glibc's MAXNS), as written; none given means 127.0.0.1. */
  readonly nameservers: readonly string[];
  /** Search domains, normalized (lower case, no trailing dot, root as ''); null when the file names none. */
  readonly search: readonly DomainName[] | null;
  /** Names with at least this many dots are tried as they are first (0..15, default 1). */
  readonly ndots: number;
  /** Tries per server (1..5, default 2). */
  readonly attempts: number;
  /** Seconds to wait for each try (1..30, default 5). */
  readonly timeout: number;
  /** `options use-vc`: always TCP. */
  readonly useTcp: boolean;
  /** `options no-tld-query`: a name without dots is never tried as it is. */
  readonly noTldQuery: boolean;
}

export const DEFAULT_NAMESERVER = '127.0.0.1';
const MAX_NAMESERVERS = 3;
const MAX_NDOTS = 15;
const MAX_ATTEMPTS = 5;
const MAX_TIMEOUT = 30;


/** C's atoi: leading digits (after an optional sign), 0 when there are none. */
function atoi(text: string): number {
  const match = /^[+-]?\d+/.exec(text);
  return match === null ? 0 : Number.parseInt(match[0], 10);
}

/**
 * Parses resolv.conf as glibc's res_init does: lines starting with `;` or `#` are comments, a
 * keyword must be followed by a blank, the last `domain` or `search` line wins (`domain X`
 * is a search list of X), nameservers past the third are ignored, and `options` values are
 * clamped to glibc's limits.
 */
export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: DomainName[] | null = null;
  let ndots = 1;
  let attempts = 2;
  let timeout = 5;
  let useTcp = false;
  let noTldQuery = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(';') || line.startsWith('#')) continue;
    const fields = line.split(/[ \t\r]+/).filter(Boolean);
    const keyword = /^(\S+)[ \t]/.exec(line)?.[1];
    if (keyword === undefined || fields.length < 2) continue;
    const values = fields.slice(1);
    switch (keyword) {
      case 'nameserver':
        if (nameservers.length < MAX_NAMESERVERS) nameservers.push(values[0]!);
        break;
      case 'domain':
        search = [normalizeName(values[0]!)];
        break;
      case 'search':
        search = values.map(normalizeName);
        break;
      case 'options':
        for (const option of values) {
          if (option.startsWith('ndots:')) ndots = Math.min(Math.max(atoi(option.slice(6)), 0), MAX_NDOTS);
          else if (option.startsWith('attempts:')) attempts = Math.min(Math.max(atoi(option.slice(9)), 1), MAX_ATTEMPTS);
          else if (option.startsWith('timeout:')) timeout = Math.min(Math.max(atoi(option.slice(8)), 1), MAX_TIMEOUT);
          else if (option === 'use-vc') useTcp = true;
          else if (option === 'no-tld-query') noTldQuery = true;
        }
        break;
    }
  }
  return { nameservers, search, ndots, attempts, timeout, useTcp, noTldQuery };
}

/** The search list glibc uses without one in resolv.conf: the host name's domain, if it has one. */
export function searchFromHostname(hostname: string): DomainName[] {
  const dot = hostname.indexOf('.');
  return dot < 0 || dot === hostname.length - 1 ? [] : [normalizeName(hostname.slice(dot + 1))];
}

export interface PodResolvConfOptions {
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly nameservers: readonly string[];
}

/** The kubelet's ClusterFirst search list for a pod of `namespace`. */
export function podSearch(namespace: string, clusterDomain: string): DomainName[] {
  const domain = normalizeName(clusterDomain);
  return [`${namespace}.svc.${domain}`, `svc.${domain}`, domain];
}

/** The resolv.conf a ClusterFirst pod gets, in the order the container runtime writes it. */
export function renderPodResolvConf(options: PodResolvConfOptions): string {
  const lines = [`search ${podSearch(options.namespace, options.clusterDomain).join(' ')}`];
  for (const nameserver of options.nameservers) lines.push(`nameserver ${nameserver}`);
  lines.push('options ndots:5');
  return `${lines.join('\n')}\n`;
}
