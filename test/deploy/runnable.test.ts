import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCorefile, parseCorefile } from '../../src/corefile/parse.ts';
import { corefileShape, directivesNamed } from './corefile-facts.ts';
import { REPO } from './manifests.ts';
import { httpAddressesOf, runnableCorefile } from './runnable.ts';

const UPSTREAM = '127.0.0.1:5300';
const MANIFESTS = '/fixtures/cluster with space.yaml';

function rewrite(example: string) {
  const original = loadCorefile(join(REPO, 'corefile-examples', example, 'Corefile'));
  const ports = new Map(httpAddressesOf(original).map(({ plugin, address }, index) => [`${plugin} ${address}`, 20_000 + index]));
  const runnable = runnableCorefile(original, { manifests: MANIFESTS, upstream: UPSTREAM, httpPort: (plugin, address) => ports.get(`${plugin} ${address}`)! });
  return { original, runnable, rewritten: parseCorefile(runnable.text, 'rewritten') };
}

describe('runnableCorefile', () => {
  it('keeps the kubeadm Corefile but for loopback addresses, manifests and the upstream', () => {
    const { runnable, rewritten } = rewrite('kubeadm');
    const [block] = corefileShape(rewritten);
    expect(block?.keys).toEqual(['.']);
    expect(block?.directives.map(([name]) => name)).toEqual([
      'bind', 'errors', 'health', 'ready', 'kubernetes', 'prometheus', 'forward', 'cache', 'loop', 'reload', 'loadbalance',
    ]);
    expect(block?.directives[0]).toEqual(['bind', ['127.0.0.1'], null]);
    expect(block?.directives[2]).toEqual(['health', ['127.0.0.1:20000'], null]);
    expect(block?.directives[6]).toEqual(['forward', ['.', UPSTREAM], [['max_concurrent', ['1000'], null]]]);
    expect(block?.directives[4]?.[2]).toContainEqual(['manifests', [MANIFESTS], null]);
    expect(runnable.http.map(({ plugin, port }) => [plugin, port])).toEqual([
      ['health', 20000],
      ['ready', 20001],
      ['prometheus', 20002],
    ]);
  });

  it('gives blocks sharing an HTTP address one port, and drops every bind address', () => {
    const { original, runnable, rewritten } = rewrite('nodelocal');
    expect(rewritten.blocks.map((block) => block.keys.map((key) => key.text))).toEqual(original.blocks.map((block) => block.keys.map((key) => key.text.replace(':53', ''))));
    expect(directivesNamed(rewritten, 'bind').map((directive) => directive.args.map((arg) => arg.text))).toEqual(rewritten.blocks.map(() => ['127.0.0.1']));
    expect(new Set(directivesNamed(rewritten, 'prometheus').map((directive) => directive.args[0]?.text)).size).toBe(1);
    expect(runnable.http.map(({ plugin, original: address }) => `${plugin} ${address}`).sort()).toEqual(['health 169.254.20.10:8080', 'prometheus :9253']);
  });
});
