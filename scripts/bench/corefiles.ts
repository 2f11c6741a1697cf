/**
 * The Corefiles the benchmark can run clusterdns with. `kubernetes` (the plugin alone) is always
 * measured; others are opt-in with `--corefile name[,name]`. A new variant is one more entry here.
 */

export interface CorefileContext {
  /** The DNS port, on 127.0.0.1. */
  readonly port: number;
  /** Absolute path of the generated cluster manifests. */
  readonly manifests: string;
  /** Free 127.0.0.1 ports for side listeners (health, ready, metrics) and a dead upstream. */
  readonly auxPorts: { readonly health: number; readonly ready: number; readonly metrics: number; readonly deadUpstream: number };
}

export interface CorefileVariant {
  readonly name: string;
  readonly describe: string;
  render(context: CorefileContext): string;
}

/** Quotes a path only when the Corefile tokenizer would otherwise split it. */
function corefileWord(text: string): string {
  return /^[^\s"{}#]+$/.test(text) ? text : JSON.stringify(text);
}

function kubernetesBlock(context: CorefileContext, ttl: number, indent: string): string {
  return [
    `${indent}kubernetes cluster.local in-addr.arpa ip6.arpa {`,
    `${indent}    manifests ${corefileWord(context.manifests)}`,
    `${indent}    pods insecure`,
    `${indent}    ttl ${ttl}`,
    `${indent}}`,
  ].join('\n');
}

export const COREFILE_VARIANTS: readonly CorefileVariant[] = [
  {
    name: 'kubernetes',
    describe: 'the kubernetes plugin alone (manifests source)',
    render: (c) => `.:${c.port} {\n    bind 127.0.0.1\n${kubernetesBlock(c, 5, '    ')}\n}\n`,
  },
  {
    name: 'prometheus',
    describe: 'the kubernetes plugin with prometheus: what counting costs',
    render: (c) =>
      `.:${c.port} {\n    bind 127.0.0.1\n    prometheus 127.0.0.1:${c.auxPorts.metrics}\n${kubernetesBlock(c, 5, '    ')}\n}\n`,
  },
  {
    name: 'default',
    describe: "kubeadm's default Corefile; forward points at a dead 127.0.0.1 port and loop/reload are left out",
    render: (c) => [
      `.:${c.port} {`,
      '    bind 127.0.0.1',
      '    errors',
      `    health 127.0.0.1:${c.auxPorts.health}`,
      `    ready 127.0.0.1:${c.auxPorts.ready}`,
      kubernetesBlock(c, 30, '    '),
      `    prometheus 127.0.0.1:${c.auxPorts.metrics}`,
      `    forward . 127.0.0.1:${c.auxPorts.deadUpstream}`,
      '    cache 30 {',
      '        disable success cluster.local',
      '        disable denial cluster.local',
      '    }',
      '    loadbalance',
      '}',
      '',
    ].join('\n'),
  },
];

export class UnknownCorefileVariantError extends Error {
  readonly variant: string;
  constructor(variant: string) {
    super(`unknown Corefile variant ${JSON.stringify(variant)} (known: ${COREFILE_VARIANTS.map((v) => v.name).join(', ')})`);
    this.name = 'UnknownCorefileVariantError';
    this.variant = variant;
  }
}

export function corefileVariant(name: string): CorefileVariant {
  const variant = COREFILE_VARIANTS.find((v) => v.name === name);
  if (!variant) throw new UnknownCorefileVariantError(name);
  return variant;
}
