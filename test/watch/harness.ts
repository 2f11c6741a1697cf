import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createClusterStore, type ClusterStore } from '../../src/cluster/store.ts';
import { KubeApiSource, type KubeApiOptions } from '../../src/cluster/kube/index.ts';
import type { Logger } from '../../src/log.ts';
import { FakeApiServer, type FakeApiServerOptions, type KubeconfigOptions } from '../fake-apiserver/index.ts';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino logger that keeps its lines in memory, so tests can check what was logged and how often. */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as LogLine);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface Harness {
  readonly server: FakeApiServer;
  readonly store: ClusterStore;
  readonly source: KubeApiSource;
  readonly logs: LogLine[];
  readonly dir: string;
  /** The loop of one resource (`services`, `endpointslices`, `pods`, `namespaces`). */
  reflector(resource: string): KubeApiSource['reflectors'][number];
  /** How many list (not watch) requests the server has seen for a kind. */
  lists(kind: 'service' | 'endpointslice' | 'pod' | 'namespace'): number;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  readonly server?: FakeApiServerOptions;
  readonly kubeconfig?: KubeconfigOptions;
  /** Overrides of the source's options. */
  readonly source?: Partial<Omit<KubeApiOptions, 'connection'>>;
  /** How the source connects; default: the kubeconfig written for the fake. */
  readonly connect?: (server: FakeApiServer, kubeconfigPath: string) => KubeApiOptions['connection'];
  /** Runs after the server starts and before the source starts: seed objects here. */
  readonly seed?: (server: FakeApiServer) => void;
}

/** A fake API server, a real store and a KubeApiSource reading one into the other through a kubeconfig. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const server = new FakeApiServer(options.server);
  await server.start();
  options.seed?.(server);
  const dir = await mkdtemp(join(tmpdir(), 'watch-test-'));
  const kubeconfig = await server.writeKubeconfig(dir, options.kubeconfig);
  const store = createClusterStore();
  const { logger, lines } = memoryLogger();
  const source = new KubeApiSource({
    connection: options.connect ? options.connect(server, kubeconfig) : { kubeconfig: { path: kubeconfig } },
    watchPods: false,
    watchNamespaces: false,
    logger,
    backoff: { initialMs: 20, maxMs: 200 },
    ...options.source,
  });
  await source.start(store);
  return {
    server,
    store,
    source,
    logs: lines,
    dir,
    reflector(resource) {
      const found = source.reflectors.find((r) => r.resource === resource);
      if (!found) throw new Error(`no reflector for ${resource}`);
      return found;
    },
    lists(kind) {
      return server.requests.filter((r) => r.kind === kind && !r.watch).length;
    },
    async stop() {
      await source.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
