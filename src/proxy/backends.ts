import type { EndpointSlice, IPFamily, ServicePort } from '../cluster/types.ts';
import { joinHostPort } from '../toolkit/host-port.ts';

/**
 * A ready endpoint of one service port. The same object stands for the same address:port for as
 * long as it stays ready, so connection counts and affinities survive slice updates.
 */
export class Backend {
  readonly key: string;
  readonly address: string;
  readonly port: number;
  readonly family: IPFamily;
  /** Open TCP connections and UDP flows, for least-connections scheduling. */
  active = 0;
  /** False once the backend left the ready set; connections already on it are left to finish. */
  current = true;

  constructor(address: string, port: number, family: IPFamily) {
    this.address = address;
    this.port = port;
    this.family = family;
    this.key = joinHostPort(address, port);
  }
}

/** The ready backends of one address family, and where round robin goes next. */
export interface BackendPool {
  readonly backends: readonly Backend[];
  cursor: number;
}

export interface ReadyEndpoint {
  readonly address: string;
  readonly port: number;
  readonly family: IPFamily;
}

/**
 * The ready endpoints a service port sends to: from every slice carrying a port of the service
 * port's name and protocol, each endpoint's first address (the others are fungible, kube-proxy
 * uses the first too), once each.
 */
export function readyEndpoints(slices: readonly EndpointSlice[], servicePort: ServicePort): ReadyEndpoint[] {
  const found: ReadyEndpoint[] = [];
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const port = slice.ports.find((p) => p.name === servicePort.name && p.protocol === servicePort.protocol);
    if (!port) continue;
    for (const endpoint of slice.endpoints) {
      const address = endpoint.addresses[0];
      if (!endpoint.conditions.ready || address === undefined) continue;
      const key = joinHostPort(address, port.port);
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ address, port: port.port, family: slice.addressType });
    }
  }
  return found;
}

/**
 * Rebuilds one family's pool from the current endpoints, keeping the Backend objects of those still
 * there. Backends are sorted so that source hashing maps a client the same way whatever order the
 * slices came in.
 */
export function rebuildPool(previous: BackendPool, endpoints: readonly ReadyEndpoint[], family: IPFamily): BackendPool {
  const existing = new Map<string, Backend>();
  for (const backend of previous.backends) existing.set(backend.key, backend);
  const backends: Backend[] = [];
  for (const endpoint of endpoints) {
    if (endpoint.family !== family) continue;
    const key = joinHostPort(endpoint.address, endpoint.port);
    const backend = existing.get(key) ?? new Backend(endpoint.address, endpoint.port, family);
    existing.delete(key);
    backend.current = true;
    backends.push(backend);
  }
  for (const gone of existing.values()) gone.current = false;
  backends.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { backends, cursor: backends.length === 0 ? 0 : previous.cursor % backends.length };
}

export function emptyPool(): BackendPool {
  return { backends: [], cursor: 0 };
}
