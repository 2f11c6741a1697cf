import type { ClusterState } from '../cluster/types.ts';

/** Something the embedded controller could not do as asked; the state it returns is still usable. */
export interface ControllerWarning {
  readonly code: 'slice-replaced' | 'cluster-ip-exhausted' | 'node-port-exhausted';
  /** The object the warning is about. */
  readonly kind: 'Service' | 'EndpointSlice';
  readonly namespace: string;
  readonly name: string;
  readonly message: string;
}

export interface ControllerResult {
  readonly state: ClusterState;
  readonly warnings: readonly ControllerWarning[];
}

/** Options the controller cannot work with (a malformed CIDR, an empty port range...). */
export class ControllerConfigError extends Error {
  override readonly name = 'ControllerConfigError';
  /** The option at fault, e.g. `serviceCIDRs[1]`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`${option}: ${problem}`);
    this.option = option;
  }
}
