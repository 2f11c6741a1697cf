import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManifestDocuments } from '../../cluster/manifests/index.ts';
import { createClusterStore, type ClusterStore } from '../../cluster/store.ts';
import type { ClusterSource } from '../../cluster/types.ts';
import type { Logger } from '../../log.ts';
import { autoPatherOffer, clusterChangesOffer, clusterViewOffer, externalerOffer, transfererOffer } from '../../toolkit/offers.ts';
import type { PluginDefinition, PluginInstance, SetupContext } from '../../toolkit/types.ts';
import { createAutoPather, searchFromResolvConf, type ClusterAutoPather } from './autopath.ts';
import { createKubernetesHandler, type KubernetesHandler } from './handler.ts';
import { DEFAULT_MEMO_LIMITS } from './memo.ts';
import type { KubernetesOptions } from './options.ts';
import { parseKubernetes, resolveZones } from './parse.ts';
import { offerPodLookup, offerWorkerPodLookup } from './pods.ts';
import { observeProgrammingLatency } from './programming-latency.ts';
import { sharedReply, type AnswerQuestion, type AutoPathQuestion, type SpelledOutcome, type SpelledQuestion } from './shared.ts';
import { createApiSource, createCheckingSource, createManifestSource } from './source.ts';
import { watchesPods } from './watch-pods.ts';
import {
  ANSWER,
  ANSWER_SPELLED,
  AUTOPATH,
  createWorkerKubernetes,
  EXTERNAL,
  EXTERNAL_NAMESERVERS,
  EXTERNAL_SERIAL,
  INVALIDATE,
  TRANSFER,
  type ExternalQuestion,
  type TransferQuestion,
} from './worker.ts';

export type { KubernetesOptions } from './options.ts';

const SYNC_POLL_MS = 100;

/**
 * A worker's memo: what it misses costs one round trip to the main thread, whose own memo keeps
 * the full 10 MiB. With 2 threads after a burst, this and the worker's smaller young generation
 * (threads/pool.ts) took the process from 120 to 108 MB over a small cluster, 158 to 153 over a
 * large one (medians of 3), against a 5 MiB worker memo and the main thread's young generation.
 */
const WORKER_MEMO_LIMITS = { entries: DEFAULT_MEMO_LIMITS.entries, bytes: 2 * 2 ** 20 };

/**
 * The addresses CoreDNS would call its own when no `bind` narrows them: every non-loopback
 * interface address. The NS answer looks for them among the cluster's endpoints.
 */
export function localAddresses(): string[] {
  const addresses: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (!entry.internal) addresses.push(entry.address);
  }
  return addresses;
}

/**
 * The addresses a block's `bind` gives it (BlockInfo.listenHosts), without an IPv6 `%zone`; null
 * when it listens on every interface (['']), as CoreDNS's boundIPs tells them apart.
 */
export function boundAddresses(listenHosts: readonly string[]): string[] | null {
  if (listenHosts.length === 0 || listenHosts[0] === '') return null;
  return listenHosts.map((host) => host.replace(/%.*$/, ''));
}

/** Waits for the first full sync, at most `timeoutMs`; CoreDNS then starts serving anyway. */
async function waitForSync(store: ClusterStore, timeoutMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  if (!store.synced) logger.info('waiting for Kubernetes API before starting server');
  while (!store.synced && Date.now() < deadline) {
    await sleep(Math.min(SYNC_POLL_MS, Math.max(0, deadline - Date.now())));
  }
  if (!store.synced) logger.warn('starting server with unsynced Kubernetes API');
}

export interface SetupDependencies {
  /** The cluster source; tests pass their own. Default: manifests when given, else the API. */
  readonly source?: ClusterSource;
  /** The addresses NS answers look for, whatever the block binds. Default: see boundAddresses. */
  readonly localIPs?: readonly string[];
}

export async function setupKubernetes(
  options: KubernetesOptions,
  context: SetupContext,
  dependencies: SetupDependencies = {},
): Promise<PluginInstance> {
  const { logger } = context;
  const resolved = resolveZones(options, context.zones);
  if (context.threads.role === 'worker') {
    // The main thread alone watches the cluster: this thread asks it and keeps what it learns.
    const worker = createWorkerKubernetes(context.threads, resolved.zones, logger, WORKER_MEMO_LIMITS);
    autoPatherOffer.give(context, worker.autoPather);
    transfererOffer.give(context, worker.transferer);
    externalerOffer.give(context, worker.externaler);
    clusterChangesOffer.give(context, worker.changes);
    offerWorkerPodLookup(context, options);
    return { handler: worker.factory };
  }
  const store = createClusterStore();
  const source =
    dependencies.source ??
    (options.manifests.length > 0
      ? await createManifestSource({ paths: options.manifests }, options.selfContained, logger)
      : await createApiSource(options, logger, watchesPods(options, context)));
  context.onShutdown(() => source.stop());
  await source.start(store);
  await waitForSync(store, options.startupTimeoutMs, logger);

  const handler = createKubernetesHandler(store, { ...resolved, localIPs: dependencies.localIPs ?? localAddresses() }, logger);
  context.onShutdown(() => handler.close());
  context.addReadiness({ name: 'kubernetes', ready: () => store.synced });
  clusterViewOffer.give(context, store);
  context.onShutdown(observeProgrammingLatency(store));
  const autoPather = createAutoPather(store, resolved.zones, options.pods, searchFromResolvConf());
  autoPatherOffer.give(context, autoPather);
  transfererOffer.give(context, { zones: resolved.zones, transfer: (zone, serial) => handler.transfer(zone, serial) });
  externalerOffer.give(context, handler.externaler);
  clusterChangesOffer.give(context, handler.changes);
  offerPodLookup(context, options, store);
  serveWorkers(context, handler, autoPather);
  return {
    handler: handler.factory,
    attach: (block) => {
      const bound = boundAddresses(block.listenHosts);
      if (dependencies.localIPs === undefined && bound !== null) handler.useLocalIPs(bound);
    },
  };
}

/** Answers the workers' questions from this thread's store and memo, and tells them what changes. */
function serveWorkers(context: SetupContext, handler: KubernetesHandler, autoPather: ClusterAutoPather): void {
  const link = context.threads;
  if (link.threads === 1) return;
  link.serve(ANSWER, (payload) => {
    const { qname, qtype } = payload as AnswerQuestion;
    return handler.answerFor(qname, qtype);
  });
  link.serve(ANSWER_SPELLED, (payload) => {
    const { qname, qtype, spelled } = payload as SpelledQuestion;
    const dependencies = new Set<string>();
    const reply = handler.answerAsSpelled(qname, spelled, qtype, dependencies);
    return { reply: reply === null ? null : sharedReply(reply), dependencies: [...dependencies] } satisfies SpelledOutcome;
  });
  link.serve(EXTERNAL, (payload) => {
    const { qname, zone, qtype, headless } = payload as ExternalQuestion;
    return handler.externaler.external(qname, zone, qtype, headless);
  });
  link.serve(EXTERNAL_NAMESERVERS, (headless) => handler.externaler.nameserverAddresses(headless as boolean));
  link.serve(EXTERNAL_SERIAL, () => handler.externaler.serial());
  link.serve(TRANSFER, (payload) => {
    const { zone, serial } = payload as TransferQuestion;
    return handler.transfer(zone, serial);
  });
  link.serve(AUTOPATH, (payload) => {
    const { remoteAddress, qname } = payload as AutoPathQuestion;
    return autoPather.searchPath(remoteAddress, qname);
  });
  handler.onInvalidate((keys) => link.broadcast(INVALIDATE, keys));
}

/**
 * A cluster held in memory that every `kubernetes` directive serves instead of what its options
 * name (manifests files, an API server): the programmatic fixture's. The documents go through the
 * same endpoints controller and readiness prober as manifest files.
 */
export interface InMemoryCluster {
  readonly documents: ManifestDocuments;
  /** Run the pods' readiness probes, as `readiness_probes` does for files. */
  readonly readinessProbes: boolean;
  /** false: the EndpointSlices the documents give, none computed from pods. */
  readonly endpointsController: boolean;
}

/** The source serving `cluster` to one directive: its `service_cidr` and `node_port_range` hold; probes and the controller are the cluster's. */
function inMemorySource(cluster: InMemoryCluster, options: KubernetesOptions, logger: Logger, watch: boolean): Promise<ClusterSource> {
  return createManifestSource(
    { documents: cluster.documents },
    { ...options.selfContained, readinessProbes: cluster.readinessProbes },
    logger,
    { watch, endpointSlices: cluster.endpointsController },
  );
}

/**
 * `kubernetes [ZONES...] { ... }`: serves the Kubernetes DNS schema from the cluster (the API, or
 * manifest files in self-contained mode), as CoreDNS 1.14's kubernetes plugin does; from
 * `cluster` when given, whatever the directive names.
 */
export function createKubernetesPlugin({ cluster }: { cluster?: InMemoryCluster } = {}): PluginDefinition<KubernetesOptions> {
  return {
    name: 'kubernetes',
    once: true,
    // The server hands over the directive alone: zones fall back to the server block's in setup.
    parse: (directive) => parseKubernetes(directive, []),
    setup: async (options, context) =>
      setupKubernetes(options, context, cluster && { source: await inMemorySource(cluster, options, context.logger, true) }),
    validate: async (options, context) =>
      setupKubernetes(options, context, {
        source: cluster ? await inMemorySource(cluster, options, context.logger, false) : await createCheckingSource(options, context.logger),
      }),
  };
}

/** The compiled-in plugin: the cluster its directive names. */
export const kubernetesPlugin: PluginDefinition<KubernetesOptions> = createKubernetesPlugin();
