export { ServiceProxy } from './proxy.ts';
export { ProxyBindError, ProxyConfigError } from './errors.ts';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_SCHEDULER,
  DEFAULT_UDP_IDLE_TIMEOUT_MS,
  type ProxyCounters,
  SCHEDULERS,
  type SchedulerName,
  type ServiceProxyOptions,
} from './types.ts';
