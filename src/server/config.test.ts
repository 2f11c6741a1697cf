import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../corefile/parse.ts';
import { CorefileError } from '../corefile/types.ts';
import type { PluginDefinition } from '../toolkit/types.ts';
import { plugins } from '../test-support/plugins.ts';
import { ALL_INTERFACES, planServer, SiteRegistry, type PluginRegistry, type SitePlan } from './config.ts';

function plan(text: string, options: { dnsPort?: number; registry?: PluginRegistry } = {}) {
  return planServer(parseCorefile(text, 'Corefile'), { registry: options.registry ?? plugins, dnsPort: options.dnsPort });
}

function planError(text: string, registry: PluginRegistry = plugins): CorefileError {
  try {
    plan(text, { registry });
  } catch (error) {
    expect(error).toBeInstanceOf(CorefileError);
    return error as CorefileError;
  }
  throw new Error('planServer accepted the Corefile');
}

/** A plugin the compiled-in registry lacks, recording what it parsed. */
function fixture(name: string, once = false): PluginDefinition<string[]> {
  return { name, once, parse: (d) => d.args.map((a) => a.text), setup: () => ({}) };
}

describe('planServer', () => {
  it('listens on port 53 for keys without a port, or on -dns.port', () => {
    expect(plan('. {\n whoami\n}\n').listeners.map((l) => [l.host, l.port])).toEqual([['', 53]]);
    expect(plan('. {\n whoami\n}\n', { dnsPort: 1053 }).listeners.map((l) => l.port)).toEqual([1053]);
    expect(plan('.:5300 {\n whoami\n}\n', { dnsPort: 1053 }).listeners.map((l) => l.port)).toEqual([5300]);
  });

  it('groups blocks that share a port into one listener and keeps different ports apart', () => {
    const result = plan('example.org:1053 {\n whoami\n}\n.:1053 {\n whoami\n}\nexample.org:2053 {\n whoami\n}\n');
    expect(result.listeners.map((l) => ({ port: l.port, zones: l.sites.map((s) => s.site.zone) }))).toEqual([
      { port: 1053, zones: ['example.org', ''] },
      { port: 2053, zones: ['example.org'] },
    ]);
    expect(result.listeners[0]!.sites[0]!.block).toBe(result.blocks[0]);
  });

  it('gives every key of a block the same block plan and all the zones', () => {
    const result = plan('Example.ORG. example.net:1053 {\n whoami\n}\n');
    expect(result.blocks[0]!.zones).toEqual(['example.org', 'example.net']);
    expect(result.listeners.map((l) => l.port)).toEqual([53, 1053]);
    expect(result.listeners.every((l) => l.sites[0]!.block === result.blocks[0])).toBe(true);
  });

  it('expands a reverse CIDR key into its zones', () => {
    const zones = plan('10.0.0.0/23 {\n whoami\n}\n').blocks[0]!.zones;
    expect(zones).toEqual(['0.0.10.in-addr.arpa', '1.0.10.in-addr.arpa']);
  });

  it('refuses a zone served twice on one port, naming the second key', () => {
    const error = planError('example.org {\n whoami\n}\n\nexample.org.:53 {\n log\n}\n');
    expect(error.message).toBe('Corefile:5 - Error during parsing: cannot serve dns://example.org.:53 - it is already defined');
    expect(error.line).toBe(5);
  });

  it('serves one zone on two ports', () => {
    expect(plan('example.org:1053 {\n whoami\n}\nexample.org:2053 {\n whoami\n}\n').listeners).toHaveLength(2);
  });

  it('gives tls:// keys port 853 and https:// keys 443 whatever -dns.port says, each its own listener', () => {
    const result = plan('tls://. https://. . {\n whoami\n}\n', { dnsPort: 1053 });
    expect(result.listeners.map(({ scheme, port, tls }) => ({ scheme, port, tls }))).toEqual([
      { scheme: 'tls', port: 853, tls: null },
      { scheme: 'https', port: 443, tls: null },
      { scheme: 'dns', port: 1053, tls: null },
    ]);
    expect(result.listeners.map((listener) => listener.httpsMaxConnections)).toEqual([200, 200, 200]);
  });

  it('refuses a directive no plugin registers, naming file, line and directive', () => {
    const error = planError('. {\n whoami\n  nosuchplugin arg\n}\n');
    expect(error.message).toBe("Corefile:3 - Error during parsing: Unknown directive 'nosuchplugin'");
  });

  it('refuses a once-only plugin used twice in a block, but not in two blocks', () => {
    const error = planError('. {\n errors\n whoami\n errors\n}\n');
    expect(error.message).toContain('Corefile:4');
    expect(error.message).toContain('errors: this plugin can only be used once per Server Block');
    expect(() => plan('a.org {\n errors\n}\nb.org {\n errors\n}\n')).not.toThrow();
    expect(plan('. {\n log a.org\n log b.org\n}\n').blocks[0]!.plugins.map((p) => p.options)).toHaveLength(2);
  });

  it('lets a plugin parse its own directive, and passes its errors on', () => {
    expect(() => plan('. {\n whoami extra\n}\n')).toThrow(/Corefile:2/);
    const registry = new Map(plugins).set('probe', fixture('probe') as PluginDefinition);
    expect(plan('. {\n probe a b\n}\n', { registry }).blocks[0]!.plugins[0]!.options).toEqual(['a', 'b']);
  });

  it('orders plugins as PLUGIN_ORDER whatever the Corefile order, unknown-to-the-order ones last', () => {
    const registry = new Map(plugins)
      .set('zzfixture', fixture('zzfixture') as PluginDefinition)
      .set('aafixture', fixture('aafixture') as PluginDefinition);
    const result = plan('. {\n zzfixture\n whoami\n aafixture\n log\n errors\n}\n', { registry });
    expect(result.blocks[0]!.plugins.map((p) => p.name)).toEqual(['errors', 'log', 'whoami', 'zzfixture', 'aafixture']);
  });

  it('keeps several directives of one plugin in Corefile order', () => {
    const result = plan('. {\n log b.org\n whoami\n log a.org\n}\n');
    expect(result.blocks[0]!.plugins.map((p) => p.directive.args[0]?.text ?? p.name)).toEqual(['b.org', 'a.org', 'whoami']);
  });
});

describe('SiteRegistry, for blocks bound to addresses', () => {
  const key = { text: 'example.org', file: 'Corefile', line: 7, quoted: false };
  const site: SitePlan = { scheme: 'dns', zone: 'example.org', port: 53, key };

  it('serves one zone on several addresses of a port', () => {
    const served = new SiteRegistry();
    served.add(site, '127.0.0.1');
    expect(() => served.add(site, '::1')).not.toThrow();
    expect(() => served.add({ ...site, zone: 'example.net' }, ALL_INTERFACES)).not.toThrow();
  });

  it('refuses every interface beside one address of the same zone and port, either way round', () => {
    const bound = new SiteRegistry();
    bound.add(site, '127.0.0.1');
    expect(() => bound.add(site, ALL_INTERFACES)).toThrow(
      'Corefile:7 - Error during parsing: cannot serve dns://example.org.:53 - zone overlap listener capacity with dns://example.org.:53 on 127.0.0.1',
    );
    const unbound = new SiteRegistry();
    unbound.add(site, ALL_INTERFACES);
    expect(() => unbound.add(site, '10.0.0.1')).toThrow(
      'cannot serve dns://example.org.:53 on 10.0.0.1 - zone overlap listener capacity with dns://example.org.:53',
    );
    expect(() => bound.add(site, '127.0.0.1')).toThrow('cannot serve dns://example.org.:53 on 127.0.0.1 - it is already defined');
  });
});
