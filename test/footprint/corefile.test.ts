import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../../src/corefile/parse.ts';
import { CorefileAnchorError, DEAD_UPSTREAM, footprintCorefile, KUBEADM_COREFILE_PATH } from '../../scripts/footprint/corefile.ts';
import { corefileShape, type DirectiveShape } from '../deploy/corefile-facts.ts';

const kubeadm = readFileSync(KUBEADM_COREFILE_PATH, 'utf8');
const ports = { dnsPort: 10053, healthPort: 10080, readyPort: 10081, metricsPort: 10153, kubeconfig: '/tmp/footprint x/kubeconfig' };

function directives(text: string): DirectiveShape[] {
  const [block, ...rest] = corefileShape(parseCorefile(text, 'Corefile'));
  expect(rest).toEqual([]);
  expect(block!.keys).toEqual(['.:10053']);
  return block!.directives;
}

describe("the footprint Corefile: kubeadm's, made to run on loopback against the fake API server", () => {
  it("keeps kubeadm's plugins and options, moving only addresses, the cluster connection and forward's upstream", () => {
    expect(directives(footprintCorefile(kubeadm, { ...ports, pods: 'insecure', autopath: false }))).toEqual([
      ['bind', ['127.0.0.1'], null],
      ['errors', [], null],
      ['health', ['127.0.0.1:10080'], [['lameduck', ['5s'], null]]],
      ['ready', ['127.0.0.1:10081'], null],
      ['kubernetes', ['cluster.local', 'in-addr.arpa', 'ip6.arpa'], [
        ['kubeconfig', ['/tmp/footprint x/kubeconfig'], null],
        ['pods', ['insecure'], null],
        ['fallthrough', ['in-addr.arpa', 'ip6.arpa'], null],
        ['ttl', ['30'], null],
      ]],
      ['prometheus', ['127.0.0.1:10153'], null],
      ['forward', ['.', DEAD_UPSTREAM], [['max_concurrent', ['1000'], null]]],
      ['cache', ['30'], [['disable', ['success', 'cluster.local'], null], ['disable', ['denial', 'cluster.local'], null]]],
      ['loop', [], null],
      ['reload', [], null],
      ['loadbalance', [], null],
    ]);
  });

  it('for large+pods: pods verified and autopath @kubernetes in the server block', () => {
    const shape = directives(footprintCorefile(kubeadm, { ...ports, pods: 'verified', autopath: true }));
    const kubernetes = shape.find(([name]) => name === 'kubernetes')!;
    expect(kubernetes[2]).toContainEqual(['pods', ['verified'], null]);
    expect(shape).toContainEqual(['autopath', ['@kubernetes'], null]);
  });

  it("fails loudly when kubeadm's Corefile no longer has a line it rewrites", () => {
    expect(() => footprintCorefile(kubeadm.replace('    ready\n', ''), { ...ports, pods: 'insecure', autopath: false })).toThrow(CorefileAnchorError);
  });
});
