import { lookup } from 'node:dns/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { http } from '../node-http.ts';
import { ListenError } from '../toolkit/errors.ts';
import { parseListenAddress, type ListenAddress } from '../toolkit/host-port.ts';

/** Answers one path of an endpoint. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A path served on an address until released; the listener closes when its last lease goes. */
export interface EndpointLease {
  /** The port actually bound (differs from the configured one for port 0, in tests). */
  readonly port: number;
  release(): Promise<void>;
}

/** CoreDNS's HTTP servers: ReadTimeout, WriteTimeout and IdleTimeout of 5 s. */
const TIMEOUT_MS = 5_000;

interface Route {
  readonly lease: object;
  readonly handler: RouteHandler;
}

/** One HTTP listener and the paths the leases on it serve. */
class SharedEndpoint {
  readonly server: Server;
  /** Per path, the leases that serve it; the newest answers (a reload's new instance). */
  private readonly routes = new Map<string, Route[]>();
  private leases = 0;

  constructor() {
    this.server = http.createServer((request, response) => this.serve(request, response));
    this.server.requestTimeout = TIMEOUT_MS;
    this.server.headersTimeout = TIMEOUT_MS;
    this.server.keepAliveTimeout = TIMEOUT_MS;
  }

  add(path: string, lease: object, handler: RouteHandler): void {
    this.leases++;
    const routes = this.routes.get(path) ?? [];
    routes.push({ lease, handler });
    this.routes.set(path, routes);
  }

  /** Returns true when no lease is left. */
  remove(path: string, lease: object): boolean {
    const routes = this.routes.get(path)?.filter((route) => route.lease !== lease) ?? [];
    if (routes.length === 0) this.routes.delete(path);
    else this.routes.set(path, routes);
    return --this.leases === 0;
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?', 1)[0]!;
    const route = this.routes.get(path)?.at(-1);
    if (route === undefined) {
      // Go's ServeMux answer for a path nobody registered.
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      response.end('404 page not found\n');
      return;
    }
    route.handler(request, response);
  }
}

const endpoints = new Map<string, Promise<SharedEndpoint>>();

/** Go listens on the first IPv4 address of a name when it has one (`localhost` -> 127.0.0.1). */
async function listenHost(host: string): Promise<string | undefined> {
  if (host === '') return undefined;
  const addresses = await lookup(host, { all: true });
  return (addresses.find((a) => a.family === 4) ?? addresses[0])?.address;
}

async function open(address: ListenAddress): Promise<SharedEndpoint> {
  const endpoint = new SharedEndpoint();
  try {
    const host = await listenHost(address.host);
    await new Promise<void>((resolve, reject) => {
      endpoint.server.once('error', reject);
      endpoint.server.listen({ port: address.port, host }, () => {
        endpoint.server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    throw new ListenError('tcp', address.host, address.port, error);
  }
  return endpoint;
}

async function close(endpoint: SharedEndpoint): Promise<void> {
  const closed = new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
  // Keep-alive connections would hold close() open until their idle timeout.
  endpoint.server.closeIdleConnections();
  const timer = setTimeout(() => endpoint.server.closeAllConnections(), TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
}

/**
 * Serves `path` on `address` (`:8080`, `localhost:9153`): every plugin and server block naming the
 * same address shares one listener, as CoreDNS shares one per address. The address text is the key,
 * so `localhost:9153` and `127.0.0.1:9153` are two listeners (the second fails to bind).
 */
export async function acquireEndpoint(address: string, path: string, handler: RouteHandler): Promise<EndpointLease> {
  const parsed = parseListenAddress(address);
  let pending = endpoints.get(address);
  if (pending === undefined) {
    pending = open(parsed);
    endpoints.set(address, pending);
    pending.catch(() => endpoints.delete(address));
  }
  const endpoint = await pending;
  const lease = {};
  endpoint.add(path, lease, handler);
  let released = false;
  return {
    port: (endpoint.server.address() as AddressInfo).port,
    release: async () => {
      if (released) return;
      released = true;
      if (!endpoint.remove(path, lease)) return;
      endpoints.delete(address);
      await close(endpoint);
    },
  };
}
