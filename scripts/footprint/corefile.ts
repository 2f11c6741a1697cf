/**
 * The Corefile each size runs: kubeadm's default (corefile-examples/kubeadm/Corefile, the one
 * deploy/configmap.yaml carries) with only what this host needs changed: free 127.0.0.1 ports,
 * `bind 127.0.0.1`, the cluster reached through a kubeconfig for the fake API server, and
 * `forward` to a loopback port nothing answers (the burst asks cluster names only). For
 * large+pods, `pods verified` and `autopath @kubernetes`, as corefile-examples/autopath has.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodsMode } from './sizes.ts';

export const KUBEADM_COREFILE_PATH = join(import.meta.dirname, '..', '..', 'corefile-examples', 'kubeadm', 'Corefile');

/** Where nothing listens: forward's upstream, never asked by the burst. */
export const DEAD_UPSTREAM = '127.0.0.1:9';

export interface FootprintCorefileOptions {
  readonly dnsPort: number;
  readonly healthPort: number;
  readonly readyPort: number;
  readonly metricsPort: number;
  readonly kubeconfig: string;
  readonly pods: PodsMode;
  readonly autopath: boolean;
}

export class CorefileAnchorError extends Error {
  constructor(anchor: string) {
    super(`kubeadm's Corefile has no ${JSON.stringify(anchor)}: update scripts/footprint/corefile.ts`);
    this.name = 'CorefileAnchorError';
  }
}

/** Quotes a path only when the Corefile tokenizer would otherwise split it. */
function corefileWord(text: string): string {
  return /^[^\s"{}#]+$/.test(text) ? text : JSON.stringify(text);
}

/** kubeadm's Corefile text, rewritten to run here; throws if kubeadm's text no longer has a line it rewrites. */
export function footprintCorefile(kubeadm: string, options: FootprintCorefileOptions): string {
  const replacements: [string, string][] = [
    ['.:53 {\n', `.:${options.dnsPort} {\n    bind 127.0.0.1\n`],
    ['    health {', `    health 127.0.0.1:${options.healthPort} {`],
    ['    ready\n', `    ready 127.0.0.1:${options.readyPort}\n`],
    ['       pods insecure\n', `       kubeconfig ${corefileWord(options.kubeconfig)}\n       pods ${options.pods}\n`],
    ['    prometheus :9153\n', `${options.autopath ? '    autopath @kubernetes\n' : ''}    prometheus 127.0.0.1:${options.metricsPort}\n`],
    ['    forward . /etc/resolv.conf', `    forward . ${DEAD_UPSTREAM}`],
  ];
  // kubeadm's comment describes the real ports; this file says what changed instead.
  let text = kubeadm.split('\n').filter((line) => !line.startsWith('#')).join('\n');
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new CorefileAnchorError(from);
    text = text.replace(from, to);
  }
  const header = [
    "# kubeadm's default Corefile (corefile-examples/kubeadm/Corefile) as scripts/footprint runs it:",
    '# loopback ports, the fake API server through a kubeconfig, forward to a port nothing answers' +
      (options.pods !== 'insecure' || options.autopath ? `, pods ${options.pods}${options.autopath ? ', autopath @kubernetes' : ''}.` : '.'),
  ];
  return `${header.join('\n')}\n${text}`;
}

export function readKubeadmCorefile(): Promise<string> {
  return readFile(KUBEADM_COREFILE_PATH, 'utf8');
}
