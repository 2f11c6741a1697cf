import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClusterStore, type ClusterStore } from '../../src/cluster/store.ts';
import { KubeApiSource, type KubeApiOptions } from '../../src/cluster/kube/index.ts';
import { recordingLogger, type LogLine } from '../../src/test-support/log.ts';
import { FakeApiServer, type FakeApiServerOptions, type KubeconfigOptions } from '../fake-apiserver/index.ts';

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
  const { logger, lines } = recordingLogger();
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
