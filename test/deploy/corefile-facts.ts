import { parseServerKeys } from '../../src/corefile/address.ts';
import type { Corefile, Directive } from '../../src/corefile/types.ts';
import { DEFAULT_HEALTH_ADDRESS } from '../../src/plugins/health/parse.ts';
import { DEFAULT_METRICS_ADDRESS } from '../../src/plugins/prometheus/parse.ts';
import { DEFAULT_READY_ADDRESS } from '../../src/plugins/ready/parse.ts';
import { DEFAULT_DNS_PORT, type PluginRegistry } from '../../src/server/config.ts';

/** Where the plugins that serve HTTP listen when a Corefile names no address (CoreDNS's defaults). */
export const HTTP_DEFAULTS: Readonly<Record<'health' | 'ready' | 'prometheus', string>> = {
  health: DEFAULT_HEALTH_ADDRESS,
  ready: DEFAULT_READY_ADDRESS,
  prometheus: DEFAULT_METRICS_ADDRESS,
};

export interface HostPort {
  /** '' for every interface. */
  readonly host: string;
  readonly port: number;
}

/** `[host]:port`, `[v6]:port`. */
export function splitListenAddress(text: string): HostPort {
  const colon = text.lastIndexOf(':');
  if (colon < 0 || !/^\d+$/.test(text.slice(colon + 1))) throw new Error(`no port in listen address '${text}'`);
  return { host: text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(colon + 1)) };
}

/** Every directive named `name` in the top level of any server block. */
export function directivesNamed(corefile: Corefile, name: string): Directive[] {
  return corefile.blocks.flatMap((block) => block.directives.filter((directive) => directive.name.text === name));
}

/** Where the `health`, `ready` or `prometheus` directives of a Corefile listen (deduplicated). */
export function httpAddresses(corefile: Corefile, plugin: keyof typeof HTTP_DEFAULTS): HostPort[] {
  const texts = new Set(directivesNamed(corefile, plugin).map((directive) => directive.args[0]?.text ?? HTTP_DEFAULTS[plugin]));
  return [...texts].map(splitListenAddress);
}

/** The DNS ports of every server block key (53 when a key names none). */
export function dnsPorts(corefile: Corefile): number[] {
  const ports = corefile.blocks.flatMap((block) => block.keys.flatMap((key) => parseServerKeys(key).map((address) => address.port ?? DEFAULT_DNS_PORT)));
  return [...new Set(ports)];
}

/** Directive names (server block level) that the registry does not have, sorted. */
export function missingPlugins(corefile: Corefile, registry: PluginRegistry): string[] {
  const names = corefile.blocks.flatMap((block) => block.directives.map((directive) => directive.name.text));
  return [...new Set(names.filter((name) => !registry.has(name)))].sort();
}

/** Plain data for a Corefile's structure, without positions or comments, to compare two Corefiles. */
export type DirectiveShape = [string, string[], DirectiveShape[] | null];

function shapeOf(directive: Directive): DirectiveShape {
  return [directive.name.text, directive.args.map((arg) => arg.text), directive.block?.map(shapeOf) ?? null];
}

export function corefileShape(corefile: Corefile): { keys: string[]; directives: DirectiveShape[] }[] {
  return corefile.blocks.map((block) => ({ keys: block.keys.map((key) => key.text), directives: block.directives.map(shapeOf) }));
}
