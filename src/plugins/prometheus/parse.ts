import { CorefileError, type Directive } from '../../corefile/types.ts';
import { argCount, blockDirectives, boolFlag, listenAddressArg } from '../../toolkit/args.ts';

/** Where CoreDNS exports metrics unless told otherwise. */
export const DEFAULT_METRICS_ADDRESS = 'localhost:9153';

export interface PrometheusOptions {
  /** `HOST:PORT` as written; the path is always /metrics. */
  readonly address: string;
}

/**
 * `prometheus [ADDRESS] { runtime_metrics }` as CoreDNS reads it. `runtime_metrics` asks Go for
 * more runtime series: there is no Go runtime here, so it is accepted and changes nothing.
 */
export function parsePrometheus(directive: Directive): PrometheusOptions {
  const [address] = argCount(directive, 0, 1);
  for (const line of blockDirectives(directive)) {
    const { text, file, line: at } = line.name;
    if (text === 'runtime_metrics') boolFlag(line);
    else if (text === 'tls') throw new CorefileError(file, at, 'tls is not supported: serve /metrics behind a TLS proxy', 'prometheus');
    else throw new CorefileError(file, at, `unknown option: ${text}`, 'prometheus');
  }
  return { address: address === undefined ? DEFAULT_METRICS_ADDRESS : listenAddressArg(address, 'prometheus') };
}
