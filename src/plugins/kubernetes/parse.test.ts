import { describe, expect, it } from 'vitest';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { parseKubernetes, resolveZones } from './parse.ts';

function token(text: string, line: number): Token {
  return { text, file: 'Corefile', line, quoted: false };
}

/** `kubernetes ARGS { LINES }` as the Corefile parser would hand it over, one option per line. */
function directive(args: string, lines: string[] = []): Directive {
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  return {
    name: token('kubernetes', 1),
    args: words(args).map((w) => token(w, 1)),
    block: lines.map((text, i) => {
      const [name, ...rest] = words(text);
      return { name: token(name!, i + 2), args: rest.map((w) => token(w, i + 2)), block: null };
    }),
  };
}

const parse = (args: string, lines: string[] = [], blockZones = ['cluster.local']) => parseKubernetes(directive(args, lines), blockZones);

describe('parseKubernetes', () => {
  it('has CoreDNS defaults', () => {
    const options = parse('');
    expect(options).toMatchObject({
      zones: ['cluster.local'],
      primaryZone: 'cluster.local',
      pods: 'disabled',
      ttl: 5,
      endpointPodNames: false,
      noEndpoints: false,
      ignoreEmptyService: false,
      fallthrough: null,
      startupTimeoutMs: 5000,
      endpoint: null,
      tls: null,
      kubeconfig: null,
      labels: null,
      namespaceLabels: null,
      manifests: [],
      file: 'Corefile',
      line: 1,
    });
    expect([...options.namespaces]).toEqual([]);
  });

  it('takes zones from its arguments, normalized, else from the server block', () => {
    expect(parse('Cluster.Local. in-addr.arpa ip6.arpa').zones).toEqual(['cluster.local', 'in-addr.arpa', 'ip6.arpa']);
    expect(parse('', [], ['example.org', 'in-addr.arpa']).zones).toEqual(['example.org', 'in-addr.arpa']);
    expect(parse('.').zones).toEqual(['']);
  });

  it('leaves zones to setup when neither the directive nor the caller gives any', () => {
    const options = parse('', [], []);
    expect(options).toMatchObject({ zones: [], primaryZone: null });
    expect(resolveZones(options, ['example.org', 'in-addr.arpa'])).toMatchObject({ zones: ['example.org', 'in-addr.arpa'], primaryZone: 'example.org' });
    expect(() => resolveZones(options, ['10.in-addr.arpa', '1.0.0.0.ip6.arpa'])).toThrow(/Corefile:1 .*non-reverse zone name must be used/);
    expect(resolveZones(parse('cluster.local'), ['ignored'])).toMatchObject({ zones: ['cluster.local'], primaryZone: 'cluster.local' });
  });

  it('turns CIDR zones into reverse zones split on label boundaries', () => {
    expect(parse('cluster.local 10.0.0.0/8').zones).toEqual(['cluster.local', '10.in-addr.arpa']);
    expect(parse('cluster.local 10.16.0.0/15').zones).toEqual(['cluster.local', '16.10.in-addr.arpa', '17.10.in-addr.arpa']);
    expect(parse('cluster.local fd00::/12').zones.slice(1)).toEqual(['0.d.f.ip6.arpa']);
    expect(parse('cluster.local fd00::/10').zones.slice(1)).toEqual(['0.d.f.ip6.arpa', '1.d.f.ip6.arpa', '2.d.f.ip6.arpa', '3.d.f.ip6.arpa']);
    expect(parse('cluster.local 0.0.0.0/0').zones.slice(1)).toEqual(['in-addr.arpa']);
  });

  it('picks the first non-reverse zone as primary, and needs one', () => {
    expect(parse('10.in-addr.arpa cluster.local').primaryZone).toBe('cluster.local');
    // CoreDNS's IsReverse only sees names below in-addr.arpa as reverse.
    expect(parse('in-addr.arpa cluster.local').primaryZone).toBe('in-addr.arpa');
    expect(() => parse('10.in-addr.arpa')).toThrow(/non-reverse zone name must be used/);
    expect(() => parse('10.0.0.0/8')).toThrow(/non-reverse zone name must be used/);
  });

  it('reads every option', () => {
    const options = parse('cluster.local', [
      'endpoint https://10.0.0.1:6443 https://ignored',
      'tls cert.pem key.pem ca.pem',
      'kubeconfig /etc/kube.conf prod',
      'namespaces a b',
      'labels environment in (production, qa), tier',
      'pods verified',
      'endpoint_pod_names',
      'ttl 30',
      'noendpoints',
      'fallthrough in-addr.arpa ip6.arpa',
      'ignore empty_service',
      'startup_timeout 1m30s',
      'apiserver_qps 7.5',
      'apiserver_burst 20',
      'apiserver_max_inflight 4',
    ]);
    expect(options).toMatchObject({
      endpoint: 'https://10.0.0.1:6443',
      tls: { cert: 'cert.pem', key: 'key.pem', ca: 'ca.pem' },
      kubeconfig: { path: '/etc/kube.conf', context: 'prod' },
      pods: 'verified',
      endpointPodNames: true,
      ttl: 30,
      noEndpoints: true,
      fallthrough: ['in-addr.arpa', 'ip6.arpa'],
      ignoreEmptyService: true,
      startupTimeoutMs: 90_000,
      apiserverQps: 7.5,
      apiserverBurst: 20,
      apiserverMaxInflight: 4,
    });
    expect([...options.namespaces]).toEqual(['a', 'b']);
    expect(options.labels?.toString()).toBe('environment in (production,qa),tier');
    expect(parse('', ['kubeconfig /k']).kubeconfig).toEqual({ path: '/k', context: null });
  });

  it('reads namespace_labels, fallthrough without zones, and manifests', () => {
    const options = parse('', ['namespace_labels team=dns', 'fallthrough', 'manifests a.yaml dir/', 'manifests b.json']);
    expect(options.namespaceLabels?.matches({ team: 'dns' })).toBe(true);
    expect(options.fallthrough).toEqual(['']);
    expect(options.manifests).toEqual(['a.yaml', 'dir/', 'b.json']);
  });

  it('reads the self-contained options only beside manifests', () => {
    expect(parse('', ['manifests a.yaml']).selfContained).toEqual({ serviceCIDRs: null, nodePortRange: null, readinessProbes: false });
    const options = parse('', ['manifests a.yaml', 'service_cidr 127.20.0.0/16 fd00::/112', 'node_port_range 31000-31999', 'readiness_probes']);
    expect(options.selfContained).toEqual({
      serviceCIDRs: ['127.20.0.0/16', 'fd00::/112'],
      nodePortRange: [31000, 31999],
      readinessProbes: true,
    });
  });

  it('accepts ttl 0 and 3600 and a bare ignore, as CoreDNS does', () => {
    expect(parse('', ['ttl 0']).ttl).toBe(0);
    expect(parse('', ['ttl 3600']).ttl).toBe(3600);
    expect(parse('', ['ignore']).ignoreEmptyService).toBe(false);
  });

  it.each([
    [['ttl 3601'], /Corefile:2 - .*kubernetes: ttl must be in range \[0, 3600\]: 3601/],
    [['ttl -1'], /ttl must be in range/],
    [['ttl x'], /Corefile:2 .*ttl: 'x' is not an integer/],
    [['ttl'], /Corefile:2 .*ttl: expected at least 1 argument, got 0/],
    [['pods all'], /wrong value for pods: all, must be one of: disabled, verified, insecure/],
    [['pods'], /expected .*argument/],
    [['pods insecure verified'], /expected .*argument/],
    [['namespaces'], /expected .*argument/],
    [['endpoint'], /expected .*argument/],
    [['tls a b'], /expected .*argument/],
    [['kubeconfig'], /expected .*argument/],
    [['kubeconfig a b c'], /expected .*argument/],
    [['labels'], /expected .*argument/],
    [['labels a in x'], /unable to parse label selector value: 'a in x'/],
    [['namespace_labels !'], /unable to parse namespace_label selector value/],
    [['noendpoints yes'], /expected .*argument/],
    [['endpoint_pod_names yes'], /expected .*argument/],
    [['ignore everything'], /unable to parse ignore value: 'everything'/],
    [['startup_timeout'], /expected .*argument/],
    [['startup_timeout 5'], /startup_timeout: invalid duration '5': missing unit/],
    [['startup_timeout -1s'], /must not be negative/],
    [['apiserver_qps -1'], /apiserver_qps must be >= 0/],
    [['apiserver_qps x'], /invalid apiserver_qps "x"/],
    [['apiserver_burst 1.5'], /apiserver_burst: '1.5' is not an integer/],
    [['apiserver_max_inflight'], /expected .*argument/],
    [['manifests'], /expected .*argument/],
    [['zonal yes'], /expected .*argument/],
    [['multicluster clusterset.local'], /multicluster zone clusterset.local is not a zone of this plugin/],
    [['manifests a.yaml', 'multicluster'], /expected .*argument/],
    [['resyncperiod 5m'], /Corefile:2 .*kubernetes: unknown property 'resyncperiod'/],
    [['namespaces a', 'namespace_labels x=y'], /Corefile:1 .*namespaces and namespace_labels cannot both be set/],
    [['manifests a.yaml', 'endpoint https://x'], /manifests cannot be combined with endpoint/],
    [['readiness_probes'], /Corefile:2 .*readiness_probes needs manifests/],
    [['manifests a.yaml', 'node_port_range 5-4'], /node_port_range must be MIN-MAX/],
    [['manifests a.yaml', 'node_port_range 30000'], /node_port_range must be MIN-MAX/],
    [['manifests a.yaml', 'service_cidr'], /expected .*argument/],
  ])('rejects %j', (lines, message) => {
    let error: unknown;
    try {
      parse('', lines);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorefileError);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a zone that is not a name', () => {
    expect(() => parse('cluster..local')).toThrow(/zone 'cluster..local' is not a valid domain name/);
  });
});
