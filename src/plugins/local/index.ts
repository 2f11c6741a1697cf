import { CorefileError, type Directive } from '../../corefile/types.ts';
import { counter } from '../../metrics/registry.ts';
import { argCount, blockDirectives, unknownProperty } from '../../toolkit/args.ts';
import type { PluginDefinition } from '../../toolkit/types.ts';
import { localHandler } from './handler.ts';

export interface LocalOptions {
  /** `localhost_prefix on|off`: `localhost.<domain>` is loopback too (CoreDNS's default, on). */
  readonly localhostPrefix: boolean;
}

/** `local [{ localhost_prefix on|off }]`, as CoreDNS's setup. */
export function parseLocal(directive: Directive): LocalOptions {
  argCount(directive, 0, 0);
  let localhostPrefix = true;
  for (const sub of blockDirectives(directive)) {
    if (sub.name.text !== 'localhost_prefix') throw unknownProperty(sub, directive);
    const value = argCount(sub, 1, 1)[0]!;
    if (value.text !== 'on' && value.text !== 'off') {
      throw new CorefileError(value.file, value.line, `localhost_prefix expects 'on' or 'off', got "${value.text}"`, 'local');
    }
    localhostPrefix = value.text === 'on';
  }
  return { localhostPrefix };
}

const localhostRequests = counter({ name: 'coredns_local_localhost_requests_total', help: 'Counter of special localhost subdomain requests.', labelNames: [] });

/** `local` (CoreDNS plugin/local): answers the local names, so they never leave the server. */
export const localPlugin: PluginDefinition<LocalOptions> = {
  name: 'local',
  once: true,
  parse: parseLocal,
  setup: (options) => ({ handler: localHandler(options.localhostPrefix, localhostRequests.cell()) }),
};
