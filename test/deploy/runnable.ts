import type { Corefile, Directive, Token } from '../../src/corefile/types.ts';
import { HTTP_DEFAULTS, splitListenAddress } from './corefile-facts.ts';

/**
 * How an example Corefile is made to run on this host: DNS and HTTP on loopback only, the cluster
 * from manifest files instead of an API server, upstreams that never leave the host.
 */
export interface RunnableOptions {
  /** The manifests the kubernetes plugin reads instead of the API. */
  readonly manifests: string;
  /** The forward target that replaces every upstream (`host:port`). */
  readonly upstream: string;
  /** A free loopback port for each HTTP address the example names, by original address. */
  readonly httpPort: (plugin: HttpPlugin, address: string) => number;
}

export type HttpPlugin = keyof typeof HTTP_DEFAULTS;

/** Where a rewritten example serves HTTP: the plugin, the example's address, the loopback port. */
export interface HttpEndpoint {
  readonly plugin: HttpPlugin;
  readonly original: string;
  readonly port: number;
}

const HTTP_PLUGINS = new Set<string>(Object.keys(HTTP_DEFAULTS));
const LOOPBACK = '127.0.0.1';

function quote(token: Token | string): string {
  const text = typeof token === 'string' ? token : token.text;
  const quoted = typeof token !== 'string' && token.quoted;
  return quoted || text === '' || /[\s"{}#]/.test(text) ? `"${text.replace(/["\\]/g, '\\$&')}"` : text;
}

function line(indent: string, name: string, args: readonly (Token | string)[], block: string[] | null): string[] {
  const head = `${indent}${[name, ...args].map(quote).join(' ')}`;
  return block === null ? [head] : [`${head} {`, ...block, `${indent}}`];
}

function printDirective(directive: Directive, indent: string): string[] {
  const block = directive.block?.flatMap((inner) => printDirective(inner, `${indent}    `)) ?? null;
  return line(indent, directive.name.text, directive.args, block);
}

/** Every HTTP address an example names (its argument, else CoreDNS's default), deduplicated. */
export function httpAddressesOf(corefile: Corefile): { plugin: HttpPlugin; address: string }[] {
  const seen = new Map<string, { plugin: HttpPlugin; address: string }>();
  for (const block of corefile.blocks) {
    for (const directive of block.directives) {
      if (!HTTP_PLUGINS.has(directive.name.text)) continue;
      const plugin = directive.name.text as HttpPlugin;
      const address = directive.args[0]?.text ?? HTTP_DEFAULTS[plugin];
      seen.set(`${plugin} ${address}`, { plugin, address });
    }
  }
  return [...seen.values()];
}

/**
 * Corefile text for `corefile` as this host can run it. Keys lose their port (the test server's
 * free port applies), every block binds 127.0.0.1 only, `health`/`ready`/`prometheus` move to
 * loopback ports (`lameduck` dropped: it only delays stopping), `forward` sends to `upstream`
 * (its options kept), `kubernetes` reads `manifests`. Every other directive is unchanged.
 */
export function runnableCorefile(corefile: Corefile, options: RunnableOptions): { text: string; http: HttpEndpoint[] } {
  const http = new Map<string, HttpEndpoint>();
  const lines: string[] = [];
  for (const block of corefile.blocks) {
    const keys = block.keys.map((key) => {
      const { port } = splitListenAddress(key.text.includes(':') ? key.text : `${key.text}:53`);
      if (port !== 53) throw new Error(`example key ${key.text} is not on port 53`);
      return key.text.replace(/:53$/, '');
    });
    const body = [`    bind ${LOOPBACK}`];
    for (const directive of block.directives) {
      const name = directive.name.text;
      if (name === 'bind') continue;
      if (HTTP_PLUGINS.has(name)) {
        const plugin = name as HttpPlugin;
        const original = directive.args[0]?.text ?? HTTP_DEFAULTS[plugin];
        const port = options.httpPort(plugin, original);
        http.set(`${plugin} ${original}`, { plugin, original, port });
        const inner = directive.block?.filter((option) => option.name.text !== 'lameduck').flatMap((option) => printDirective(option, '        '));
        body.push(...line('    ', name, [`${LOOPBACK}:${port}`], inner && inner.length > 0 ? inner : null));
      } else if (name === 'forward') {
        const inner = directive.block?.flatMap((option) => printDirective(option, '        ')) ?? null;
        body.push(...line('    ', name, [directive.args[0]!, options.upstream], inner));
      } else if (name === 'kubernetes') {
        const inner = [...(directive.block?.flatMap((option) => printDirective(option, '        ')) ?? []), `        manifests ${quote(options.manifests)}`];
        body.push(...line('    ', name, directive.args, inner));
      } else {
        body.push(...printDirective(directive, '    '));
      }
    }
    lines.push(`${keys.join(' ')} {`, ...body, '}');
  }
  return { text: `${lines.join('\n')}\n`, http: [...http.values()] };
}
