import type { ClusterState } from '../cluster/types.ts';
import type { Logger } from '../log.ts';
import { type AllocationOptions, allocateWithPlan, planAllocation } from './allocate.ts';
import { type EndpointSliceOptions, computeEndpointSlices, maxEndpointsPerSlice } from './endpoints.ts';
import type { ControllerWarning } from './types.ts';

export {
  type AllocationOptions,
  DEFAULT_NODE_PORT_RANGE,
  allocateServiceAddresses,
} from './allocate.ts';
export {
  CONTROLLER_NAME,
  DEFAULT_MAX_ENDPOINTS_PER_SLICE,
  type EndpointSliceOptions,
  HEADLESS_LABEL,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  computeEndpointSlices,
} from './endpoints.ts';
export { ControllerConfigError, type ControllerResult, type ControllerWarning } from './types.ts';

/**
 * Loopback, so the userspace proxy can bind service addresses without privileges (Linux routes all
 * of 127.0.0.0/8 to lo).
 */
export const DEFAULT_SERVICE_CIDRS: readonly string[] = ['127.10.0.0/16'];

export interface SelfContainedOptions extends Partial<AllocationOptions>, EndpointSliceOptions {
  readonly logger: Logger;
  /** false: allocate addresses only, and keep the EndpointSlices the manifests give; default true. */
  readonly endpointSlices?: boolean;
}

/**
 * The manifests source's `transform` in self-contained mode: fills in cluster IPs and node ports,
 * then (unless `endpointSlices` is false) computes EndpointSlices from the result, logging what it
 * had to skip. The options are
 * checked here, once, so a bad CIDR stops the server at start rather than at the first load.
 */
export function selfContainedTransform(options: SelfContainedOptions): (state: ClusterState) => ClusterState {
  const plan = planAllocation({ ...options, serviceCIDRs: options.serviceCIDRs ?? DEFAULT_SERVICE_CIDRS });
  maxEndpointsPerSlice(options);
  const log = (warnings: readonly ControllerWarning[]): void => {
    for (const { code, kind, namespace, name, message } of warnings) {
      options.logger.warn({ code, kind, namespace, name }, message);
    }
  };
  return (state) => {
    const allocated = allocateWithPlan(state, plan);
    log(allocated.warnings);
    if (options.endpointSlices === false) return allocated.state;
    const sliced = computeEndpointSlices(allocated.state, options);
    log(sliced.warnings);
    return sliced.state;
  };
}
