import { parseSelector, SelectorError, type Selector } from '../../cluster/selector.ts';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import type { DomainName } from '../../dns/types.ts';
import { parseGoDuration } from './duration.ts';
import {
  DEFAULT_STARTUP_TIMEOUT_MS,
  DEFAULT_TTL,
  MAX_TTL,
  type Kubeconfig,
  type KubernetesOptions,
  type PodMode,
  type TlsFiles,
} from './options.ts';
import { isReverseName, normalizeZoneArg } from './zones.ts';

const PLUGIN = 'kubernetes';
const POD_MODES: readonly PodMode[] = ['disabled', 'insecure', 'verified'];

function fail(token: Token, message: string): never {
  throw new CorefileError(token.file, token.line, message, PLUGIN);
}

function argError(option: Directive): never {
  const last = option.args.at(-1) ?? option.name;
  fail(last, `Wrong argument count or unexpected line ending after '${last.text}'`);
}

function argTexts(option: Directive): string[] {
  return option.args.map((token) => token.text);
}

function zonesOf(tokens: readonly Token[]): DomainName[] {
  const zones: DomainName[] = [];
  for (const token of tokens) {
    const normalized = normalizeZoneArg(token.text);
    if (normalized === null) fail(token, `zone is not a valid domain name: ${token.text}`);
    for (const zone of normalized) if (!zones.includes(zone)) zones.push(zone);
  }
  return zones;
}

function selectorOption(option: Directive, what: string): Selector {
  if (option.args.length === 0) argError(option);
  const text = argTexts(option).join(' ');
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorError) fail(option.name, `unable to parse ${what} selector value: '${text}': ${error.message}`);
    throw error;
  }
}

function nonNegative(option: Directive, integer: boolean): number {
  if (option.args.length !== 1) argError(option);
  const token = option.args[0]!;
  const pattern = integer ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  if (!pattern.test(token.text)) fail(token, `invalid ${option.name.text} "${token.text}"`);
  const value = Number(token.text);
  if (value < 0) fail(token, `${option.name.text} must be >= 0`);
  return value;
}

/**
 * Reads a `kubernetes [ZONES...] { ... }` directive the way CoreDNS 1.14's ParseStanza does:
 * zones from the arguments, else the server block's; every option validated here so that a bad
 * Corefile fails at load, naming file, line and option.
 */
export function parseKubernetes(directive: Directive, blockZones: readonly DomainName[]): KubernetesOptions {
  const zones = directive.args.length > 0 ? zonesOf(directive.args) : [...blockZones];
  const primaryZone = zones.find((zone) => !isReverseName(zone));
  if (primaryZone === undefined) fail(directive.name, 'non-reverse zone name must be used');

  let endpoint: string | null = null;
  let tls: TlsFiles | null = null;
  let kubeconfig: Kubeconfig | null = null;
  const namespaces = new Set<string>();
  let labels: Selector | null = null;
  let namespaceLabels: Selector | null = null;
  let pods: PodMode = 'disabled';
  let endpointPodNames = false;
  let ttl = DEFAULT_TTL;
  let noEndpoints = false;
  let ignoreEmptyService = false;
  let fallthrough: DomainName[] | null = null;
  let startupTimeoutMs = DEFAULT_STARTUP_TIMEOUT_MS;
  let apiserverQps: number | null = null;
  let apiserverBurst: number | null = null;
  let apiserverMaxInflight: number | null = null;
  const manifests: string[] = [];

  for (const option of directive.block ?? []) {
    const args = argTexts(option);
    switch (option.name.text) {
      case 'endpoint_pod_names':
        if (args.length > 0) argError(option);
        endpointPodNames = true;
        break;
      case 'pods': {
        if (args.length !== 1) argError(option);
        const mode = POD_MODES.find((m) => m === args[0]);
        if (!mode) fail(option.args[0]!, `wrong value for pods: ${args[0]}, must be one of: disabled, verified, insecure`);
        pods = mode;
        break;
      }
      case 'namespaces':
        if (args.length === 0) argError(option);
        for (const ns of args) namespaces.add(ns);
        break;
      case 'endpoint':
        if (args.length === 0) argError(option);
        // Several endpoints are deprecated in CoreDNS: only the first is ever used.
        endpoint = args[0]!;
        break;
      case 'tls':
        if (args.length !== 3) argError(option);
        tls = { cert: args[0]!, key: args[1]!, ca: args[2]! };
        break;
      case 'kubeconfig':
        if (args.length !== 1 && args.length !== 2) argError(option);
        kubeconfig = { path: args[0]!, context: args[1] ?? null };
        break;
      case 'labels':
        labels = selectorOption(option, 'label');
        break;
      case 'namespace_labels':
        namespaceLabels = selectorOption(option, 'namespace_label');
        break;
      case 'fallthrough':
        fallthrough = args.length === 0 ? [''] : zonesOf(option.args);
        break;
      case 'ttl': {
        if (args.length === 0) argError(option);
        const token = option.args[0]!;
        if (!/^[+-]?\d+$/.test(token.text)) fail(token, `ttl: invalid integer "${token.text}"`);
        const value = Number(token.text);
        if (value < 0 || value > MAX_TTL) fail(token, `ttl must be in range [0, ${MAX_TTL}]: ${token.text}`);
        ttl = value;
        break;
      }
      case 'noendpoints':
        if (args.length !== 0) argError(option);
        noEndpoints = true;
        break;
      case 'ignore':
        // CoreDNS accepts a bare `ignore` and does nothing with it.
        if (args.length > 0) {
          if (args[0] !== 'empty_service') fail(option.args[0]!, `unable to parse ignore value: '${args[0]}'`);
          ignoreEmptyService = true;
        }
        break;
      case 'startup_timeout': {
        if (args.length === 0) argError(option);
        const ms = parseGoDuration(args[0]!);
        if (ms === null) fail(option.args[0]!, `failed to parse startup_timeout: ${args[0]}, invalid duration "${args[0]}"`);
        startupTimeoutMs = ms;
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
        if (args.length === 0) argError(option);
        manifests.push(...args);
        break;
      case 'multicluster':
      case 'zonal':
        fail(option.name, `'${option.name.text}' is a CoreDNS option clusterdns does not support`);
        break;
      default:
        fail(option.name, `unknown property '${option.name.text}'`);
    }
  }

  if (namespaces.size > 0 && namespaceLabels !== null) {
    fail(directive.name, 'namespaces and namespace_labels cannot both be set');
  }
  if (manifests.length > 0 && (endpoint !== null || kubeconfig !== null || tls !== null)) {
    fail(directive.name, 'manifests cannot be combined with endpoint, tls or kubeconfig');
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
    ttl,
    noEndpoints,
    ignoreEmptyService,
    fallthrough,
    startupTimeoutMs,
    apiserverQps,
    apiserverBurst,
    apiserverMaxInflight,
    manifests,
  };
}
