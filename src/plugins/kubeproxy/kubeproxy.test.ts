import { afterEach, describe, expect, it } from 'vitest';
import { createClusterStore } from '../../cluster/store.ts';
import { CorefileError } from '../../corefile/types.ts';
import { directive } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { freePort } from '../../test-support/ports.ts';
import { NamedTcpBackend, service, slices, whichBackend } from '../../test-support/proxy.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { clusterViewOffer, metricsExporterOffer } from '../../toolkit/offers.ts';
import type { SetupContext } from '../../toolkit/types.ts';
import { KubeproxySetupError, kubeproxyPlugin } from './index.ts';
import { parseKubeproxy } from './parse.ts';

function parseError(body: string): string {
  return thrownBy(CorefileError, () => parseKubeproxy(directive(body))).message;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function context(shared: Map<string, unknown>): SetupContext {
  return setupContext({ zones: ['cluster.local'], onShutdown: (fn) => void cleanups.push(fn), shared });
}

describe('kubeproxy parse', () => {
  it('has kube-proxy-like defaults', () => {
    expect(parseKubeproxy(directive('kubeproxy'))).toEqual({
      nodeAddress: null,
      scheduler: 'rr',
      udpIdleTimeoutMs: 250,
      connectTimeoutMs: 1000,
    });
  });

  it('reads every property', () => {
    const options = parseKubeproxy(
      directive('kubeproxy {\n node_address 2001:DB8::1\n scheduler sh\n udp_idle_timeout 30s\n connect_timeout 1500ms\n}'),
    );
    expect(options).toEqual({ nodeAddress: '2001:db8::1', scheduler: 'sh', udpIdleTimeoutMs: 30_000, connectTimeoutMs: 1500 });
  });

  it('refuses what it cannot use, naming file and line', () => {
    expect(parseError('kubeproxy cluster.local')).toBe('Corefile:2 - Error during parsing: kubeproxy: expected no arguments, got 1');
    expect(parseError('kubeproxy {\n node_address node1\n}')).toBe(
      "Corefile:3 - Error during parsing: kubeproxy: node_address: 'node1' is not an IP address",
    );
    expect(parseError('kubeproxy {\n scheduler wrr\n}')).toBe(
      "Corefile:3 - Error during parsing: kubeproxy: unknown scheduler 'wrr', expected one of rr, random, lc, sh",
    );
    expect(parseError('kubeproxy {\n connect_timeout 0s\n}')).toBe(
      'Corefile:3 - Error during parsing: kubeproxy: connect_timeout must be greater than zero',
    );
    expect(parseError('kubeproxy {\n udp_idle_timeout 5\n}')).toContain("invalid duration '5': missing unit");
    expect(parseError('kubeproxy {\n scheduler\n}')).toContain('expected 1 argument, got 0');
    expect(parseError('kubeproxy {\n masquerade\n}')).toBe("Corefile:3 - Error during parsing: kubeproxy: unknown property 'masquerade'");
  });
});

describe('kubeproxy setup', () => {
  it('fails clearly without a kubernetes plugin in the block', () => {
    expect(() => kubeproxyPlugin.setup(parseKubeproxy(directive('kubeproxy')), context(new Map()))).toThrow(KubeproxySetupError);
    expect(() => kubeproxyPlugin.setup(parseKubeproxy(directive('kubeproxy')), context(new Map()))).toThrow(/no kubernetes plugin in this server block/);
  });

  it("proxies the kubernetes plugin's view once started, its counters collected where the block exports metrics", async () => {
    const backend = await new NamedTcpBackend('only', '127.0.0.2').listen();
    cleanups.push(() => backend.close());
    const ip = '127.10.4.1';
    const port = await freePort(ip);
    const store = createClusterStore();
    store.replace({
      services: [service({ name: 'web', clusterIPs: [ip], ports: [{ name: 'http', protocol: 'TCP', port }] })],
      endpointSlices: slices('web', 'http', 'TCP', [backend]),
    });
    const setupContext = context(new Map());
    clusterViewOffer.give(setupContext, store);
    const collectors: (() => void)[] = [];
    metricsExporterOffer.give(setupContext, { addCollector: (collect) => (collectors.push(collect), () => {}) });
    const instance = await kubeproxyPlugin.setup(parseKubeproxy(directive('kubeproxy {\n scheduler lc\n}')), setupContext);
    expect(instance.handler).toBeUndefined();
    expect(collectors).toHaveLength(1);
    await instance.start!();
    expect(await whichBackend(ip, port)).toBe('only');
  });
});
