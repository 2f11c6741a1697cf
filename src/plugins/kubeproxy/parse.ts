import { canonicalIP } from '../../cluster/convert.ts';
import { CorefileError, type Directive, type Token } from '../../corefile/types.ts';
import { argCount, blockDirectives, noBlock, parseDurationArg, unknownProperty } from '../../toolkit/args.ts';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_SCHEDULER,
  DEFAULT_UDP_IDLE_TIMEOUT_MS,
  SCHEDULERS,
  type SchedulerName,
} from '../../proxy/index.ts';

export interface KubeproxyOptions {
  /** `node_address IP`: where NodePort and LoadBalancer services listen on their node ports. */
  readonly nodeAddress: string | null;
  readonly scheduler: SchedulerName;
  readonly udpIdleTimeoutMs: number;
  readonly connectTimeoutMs: number;
}

const NAME = 'kubeproxy';
const schedulers = new Set<string>(SCHEDULERS);

function fail(token: Token, message: string): CorefileError {
  return new CorefileError(token.file, token.line, message, NAME);
}

/** The single argument of a block property, which takes no block of its own. */
function soleArg(line: Directive): Token {
  noBlock(line);
  return argCount(line, 1, 1)[0] as Token;
}

function positiveDuration(line: Directive): number {
  const token = soleArg(line);
  const ms = parseDurationArg(token, { name: NAME });
  if (ms <= 0) throw fail(token, `${line.name.text} must be greater than zero`);
  return ms;
}

/** `kubeproxy { node_address IP; scheduler rr|random|lc|sh; udp_idle_timeout DURATION; connect_timeout DURATION }`. */
export function parseKubeproxy(directive: Directive): KubeproxyOptions {
  argCount(directive, 0, 0);
  let nodeAddress: string | null = null;
  let scheduler: SchedulerName = DEFAULT_SCHEDULER;
  let udpIdleTimeoutMs = DEFAULT_UDP_IDLE_TIMEOUT_MS;
  let connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  for (const line of blockDirectives(directive)) {
    switch (line.name.text) {
      case 'node_address': {
        const token = soleArg(line);
        nodeAddress = canonicalIP(token.text);
        if (nodeAddress === null) throw fail(token, `node_address: '${token.text}' is not an IP address`);
        break;
      }
      case 'scheduler': {
        const token = soleArg(line);
        if (!schedulers.has(token.text)) throw fail(token, `unknown scheduler '${token.text}', expected one of ${SCHEDULERS.join(', ')}`);
        scheduler = token.text as SchedulerName;
        break;
      }
      case 'udp_idle_timeout':
        udpIdleTimeoutMs = positiveDuration(line);
        break;
      case 'connect_timeout':
        connectTimeoutMs = positiveDuration(line);
        break;
      default:
        throw unknownProperty(line, directive);
    }
  }
  return { nodeAddress, scheduler, udpIdleTimeoutMs, connectTimeoutMs };
}
