import type { Logger } from '../log.ts';
import type { ServicePortState } from './service-port.ts';
import type { FrontendSpec } from './types.ts';

/** A socket listening for one service port on one address. */
export interface Frontend {
  readonly spec: FrontendSpec;
  /** Swapped when the port is taken over by a rebuilt state; new connections use the latest. */
  state: ServicePortState;
  /** Listens; rejects with the errno error when the address cannot be bound. */
  open(): Promise<void>;
  /** Stops listening; connections and flows already open are left to finish. */
  close(): void;
  /** Stops listening and cuts whatever is still open. */
  destroy(): Promise<void>;
}

export interface FrontendOptions {
  readonly logger: Logger;
  readonly connectTimeoutMs: number;
  readonly udpIdleTimeoutMs: number;
}
