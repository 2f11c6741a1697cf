import { parseSelector, SelectorError, type Selector } from '../../cluster/selector.ts';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { argCount, blockDirectives, boolFlag, parseDurationArg, parseIntArg, parseZonesArg, unknownProperty } from '../../toolkit/args.ts';
import {
  DEFAULT_STARTUP_TIMEOUT_MS,
  DEFAULT_TTL,
  MAX_TTL,
  type Kubeconfig,
  type KubernetesOptions,
  type PodMode,
  type TlsFiles,
} from './options.ts';
import { isReverseName } from './zones.ts';

const PLUGIN = 'kubernetes';
const POD_MODES: readonly PodMode[] = ['disabled', 'insecure', 'verified'];

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, PLUGIN);
}

function argTexts(option: Directive): string[] {
  return option.args.map((token) => token.text);
}

function selectorOption(option: Directive, what: string): Selector {
  const text = argCount(option, 1).map((token) => token.text).join(' ');
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorError) fail(option.name, `unable to parse ${what} selector value: '${text}': ${error.message}`);
    throw error;
  }
}

/** `apiserver_qps` (a float) and `apiserver_burst`/`apiserver_max_inflight` (integers), all >= 0. */
function nonNegative(option: Directive, integer: boolean): number {
  const token = argCount(option, 1, 1)[0]!;
  const name = option.name.text;
  const value = integer ? parseIntArg(token, { name }) : Number(token.text);
  if (!integer && (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token.text) || !Number.isFinite(value))) {
    fail(token, `invalid ${name} "${token.text}"`);
  }
  if (value < 0) fail(token, `${name} must be >= 0`);
  return value;
}

/** The first zone that is not a reverse zone: CoreDNS refuses a kubernetes plugin without one. */
function primaryZoneOf(zones: readonly DomainName[], at: Token): DomainName {
  const primary = zones.find((zone) => !isReverseName(zone));
  if (primary === undefined) fail(at, 'non-reverse zone name must be used');
  return primary;
}

/**
 * The zones of a directive written without any, taken from its server block once setup knows
 * them; options that name their zones come back unchanged.
 */
export function resolveZones(options: KubernetesOptions, blockZones: readonly DomainName[]): KubernetesOptions & { readonly primaryZone: DomainName } {
  if (options.primaryZone !== null) return { ...options, primaryZone: options.primaryZone };
  const zones = [...new Set(blockZones)];
  const at: Token = { text: PLUGIN, file: options.file, line: options.line, quoted: false };
  return { ...options, zones, primaryZone: primaryZoneOf(zones, at) };
}

/**
 * Reads a `kubernetes [ZONES...] { ... }` directive the way CoreDNS 1.14's ParseStanza does:
 * zones from the arguments, else `blockZones` (empty when the caller does not know them yet: see
 * resolveZones); every option validated here so that a bad Corefile fails at load, naming file,
 * line and option.
 */
export function parseKubernetes(directive: Directive, blockZones: readonly DomainName[]): KubernetesOptions {
  const zones = [...new Set(parseZonesArg(directive.args, blockZones, PLUGIN))];
  const primaryZone = zones.length === 0 ? null : primaryZoneOf(zones, directive.name);

  let endpoint: string | null = null;
  let tls: TlsFiles | null = null;
  let kubeconfig: Kubeconfig | null = null;
  const namespaces = new Set<string>();
  let labels: Selector | null = null;
  let namespaceLabels: Selector | null = null;
  let pods: PodMode = 'disabled';
  let endpointPodNames = false;
  let zonal = false;
  let multicluster: DomainName[] = [];
  let multiclusterOption: Directive | null = null;
  let ttl = DEFAULT_TTL;
  let noEndpoints = false;
  let ignoreEmptyService = false;
  let fallthrough: DomainName[] | null = null;
  let startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
  let apiserverQps: number | null = null;
  let apiserverBurst: number | null = null;
  let apiserverMaxInflight: number | null = null;
  const manifests: string[] = [];
  let serviceCIDRs: string[] | null = null;
  let nodePortRange: [number, number] | null = null;
  let readinessProbes = false;
  let selfContainedOption: Directive | null = null;

  for (const option of blockDirectives(directive)) {
    const args = argTexts(option);
    switch (option.name.text) {
      case 'endpoint_pod_names':
        endpointPodNames = boolFlag(option);
        break;
      case 'pods': {
        argCount(option, 1, 1);
        const mode = POD_MODES.find((m) => m === args[0]);
        if (!mode) fail(option.args[0]!, `wrong value for pods: ${args[0]}, must be one of: disabled, verified, insecure`);
        pods = mode;
        break;
      }
      case 'namespaces':
        argCount(option, 1);
        for (const ns of args) namespaces.add(ns);
        break;
      case 'endpoint':
        argCount(option, 1);
        // Several endpoints are deprecated in CoreDNS: only the first is ever used.
        endpoint = args[0]!;
        break;
      case 'tls':
        argCount(option, 3, 3);
        tls = { cert: args[0]!, key: args[1]!, ca: args[2]! };
        break;
      case 'kubeconfig':
        argCount(option, 1, 2);
        kubeconfig = { path: args[0]!, context: args[1] ?? null };
        break;
      case 'labels':
        labels = selectorOption(option, 'label');
        break;
      case 'namespace_labels':
        namespaceLabels = selectorOption(option, 'namespace_label');
        break;
      case 'fallthrough':
        fallthrough = args.length === 0 ? [''] : parseZonesArg(option.args, [], 'fallthrough');
        break;
      case 'ttl': {
        const token = argCount(option, 1)[0]!;
        const value = parseIntArg(token, { name: 'ttl' });
        if (value < 0 || value > MAX_TTL) fail(token, `ttl must be in range [0, ${MAX_TTL}]: ${token.text}`);
        ttl = value;
        break;
      }
      case 'noendpoints':
        noEndpoints = boolFlag(option);
        break;
      case 'ignore':
        // CoreDNS accepts a bare `ignore` and does nothing with it.
        if (args.length > 0) {
          if (args[0] !== 'empty_service') fail(option.args[0]!, `unable to parse ignore value: '${args[0]}'`);
          ignoreEmptyService = true;
        }
        break;
      case 'startup_timeout': {
        startupTimeoutMs = parseDurationArg(argCount(option, 1)[0]!, { name: 'startup_timeout' });
        break;
      }
      case 'apiserver_qps':
        apiserverQps = nonNegative(option, false);
        break;
      case 'apiserver_burst':
        apiserverBurst = nonNegative(option, true);
        break;
      case 'apiserver_max_inflight':
        apiserverMaxInflight = nonNegative(option, true);
        break;
      case 'manifests':
        argCount(option, 1);
        manifests.push(...args);
        break;
      case 'service_cidr':
        argCount(option, 1);
        serviceCIDRs = args;
        selfContainedOption = option;
        break;
      case 'node_port_range':
        nodePortRange = portRange(option);
        selfContainedOption = option;
        break;
      case 'readiness_probes':
        readinessProbes = boolFlag(option);
        selfContainedOption = option;
        break;
      case 'zonal':
        zonal = boolFlag(option);
        break;
      case 'multicluster':
        multicluster = parseZonesArg(argCount(option, 1), [], 'multicluster');
        multiclusterOption = option;
        break;
      default:
        throw unknownProperty(option, directive);
    }
  }

  if (namespaces.size > 0 && namespaceLabels !== null) {
    fail(directive.name, 'namespaces and namespace_labels cannot both be set');
  }
  if (manifests.length > 0 && (endpoint !== null || kubeconfig !== null || tls !== null)) {
    fail(directive.name, 'manifests cannot be combined with endpoint, tls or kubeconfig');
  }
  if (multiclusterOption !== null) {
    const outside = multicluster.find((zone) => zones.length > 0 && !zones.includes(zone));
    if (outside !== undefined) fail(multiclusterOption.name, `multicluster zone ${outside} is not a zone of this plugin`);
  }
  if (manifests.length === 0 && selfContainedOption !== null) {
    fail(selfContainedOption.name, `${selfContainedOption.name.text} needs manifests (self-contained mode)`);
  }

  return {
    file: directive.name.file,
    line: directive.name.line,
    zones,
    primaryZone,
    endpoint,
    tls,
    kubeconfig,
    namespaces,
    labels,
    namespaceLabels,
    pods,
    endpointPodNames,
    zonal,
    multicluster,
    ttl,
    noEndpoints,
    ignoreEmptyService,
    fallthrough,
    startupTimeoutMs,
    apiserverQps,
    apiserverBurst,
    apiserverMaxInflight,
    manifests,
    selfContained: { serviceCIDRs, nodePortRange, readinessProbes },
  };
}

/** `node_port_range 30000-32767`, as kube-apiserver's --service-node-port-range. */
function portRange(option: Directive): [number, number] {
  const token = argCount(option, 1, 1)[0]!;
  const match = /^(\d+)-(\d+)$/.exec(token.text);
  const low = match ? Number(match[1]) : NaN;
  const high = match ? Number(match[2]) : NaN;
  if (!(low >= 1 && high <= 65535 && low <= high)) {
    fail(token, `node_port_range must be MIN-MAX within 1-65535: ${token.text}`);
  }
  return [low, high];
}
