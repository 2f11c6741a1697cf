import { afterEach, describe, expect, it } from 'vitest';
import { createClusterStore } from '../../cluster/store.ts';
import { directive } from '../../test-support/corefile.ts';
import { pod } from '../../test-support/kubernetes.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { linkedExchanges } from '../../test-support/threads.ts';
import { eventually } from '../../test-support/wait.ts';
import { podLookupOffer } from '../../toolkit/offers.ts';
import { SINGLE_THREAD, type ThreadLink } from '../../toolkit/threads.ts';
import type { SetupContext } from '../../toolkit/types.ts';
import { parseKubernetes } from './parse.ts';
import { namespaceOf, offerPodLookup, offerWorkerPodLookup } from './pods.ts';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

function store() {
  const cluster = createClusterStore();
  cluster.replace({
    pods: [
      pod('batch', 'job-1', ['10.244.1.5', 'fd00::5']),
      pod('batch', 'job-2', ['10.244.1.6']),
      // Host-network pods of two namespaces share their node's address.
      pod('kube-system', 'proxy', ['192.0.2.10']),
      pod('monitoring', 'exporter', ['192.0.2.10']),
      pod('shop', 'sidecar-a', ['192.0.2.11']),
      pod('shop', 'sidecar-b', ['192.0.2.11']),
    ],
  });
  cluster.markSynced();
  return cluster;
}

function context(threads: ThreadLink = SINGLE_THREAD): SetupContext {
  return setupContext({ zones: ['cluster.local'], threads });
}

const options = (body: string) => parseKubernetes(directive(`kubernetes cluster.local {\n${body}\n}`), []);

describe('the namespace of a client address, for rrl per-namespace', () => {
  it("is its pod's, by any of the pod's addresses", () => {
    expect(namespaceOf(store(), '10.244.1.5')).toBe('batch');
    expect(namespaceOf(store(), 'fd00::5')).toBe('batch');
    expect(namespaceOf(store(), '10.244.1.6')).toBe('batch');
  });

  it('is none for an address no pod has, or that pods of several namespaces share', () => {
    expect(namespaceOf(store(), '10.244.9.9')).toBeNull();
    expect(namespaceOf(store(), '192.0.2.10')).toBeNull();
    expect(namespaceOf(store(), '192.0.2.11')).toBe('shop');
  });

  it('is offered where the plugin knows pods: pods verified, or manifests', () => {
    for (const [body, offered] of [
      ['pods verified', true],
      ['manifests cluster.yaml', true],
      ['pods insecure', false],
      ['', false],
    ] as const) {
      const given = context();
      offerPodLookup(given, options(body), store());
      expect(podLookupOffer.find(given) !== undefined, body).toBe(offered);
    }
  });

  it("on a worker, answers from the main thread's store once it has said, and nothing until then", async () => {
    const { main, worker, close } = linkedExchanges();
    closers.push(close);
    const verified = options('pods verified');
    offerPodLookup(context(main.scoped('k/').link), verified, store());
    const onWorker = context(worker.scoped('k/').link);
    offerWorkerPodLookup(onWorker, verified);
    const lookup = podLookupOffer.find(onWorker)!;
    expect(lookup.namespaceOf('10.244.1.5')).toBeNull();
    await eventually(() => lookup.namespaceOf('10.244.1.5') === 'batch', "the worker's answer for 10.244.1.5");
  });
});
