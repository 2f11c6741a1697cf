/**
 * The synthetic cluster the benchmark serves: plain data, independent of any output format, so
 * the manifests, the query file and the expected answers all derive from one value.
 */
import { shuffle, type Random } from './prng.ts';

export const CLUSTER_DOMAIN = 'cluster.local';

export type BenchServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface BenchPort {
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  /** What the EndpointSlice carries: the port the endpoints listen on. */
  readonly targetPort: number;
}

export interface BenchEndpoint {
  readonly ip: string;
  readonly hostname?: string;
}

export interface BenchService {
  readonly namespace: string;
  readonly name: string;
  readonly kind: BenchServiceKind;
  /** Absent for headless and ExternalName services. */
  readonly clusterIP?: string;
  readonly externalName?: string;
  readonly ports: readonly BenchPort[];
  readonly endpoints: readonly BenchEndpoint[];
}

export interface BenchCluster {
  readonly domain: string;
  readonly namespaces: readonly string[];
  /** kubernetes and kube-dns first, then the generated services in creation order. */
  readonly services: readonly BenchService[];
}

export interface ClusterShape {
  /** Generated services, not counting default/kubernetes and kube-system/kube-dns. */
  readonly services: number;
  readonly namespaces: number;
  readonly headlessShare: number;
  readonly externalNameShare: number;
}

export const DEFAULT_SHAPE: ClusterShape = {
  services: 1000,
  namespaces: 10,
  headlessShare: 0.1,
  externalNameShare: 0.01,
};

export class ClusterShapeError extends Error {
  readonly shape: ClusterShape;
  constructor(message: string, shape: ClusterShape) {
    super(`${message} (services=${shape.services}, namespaces=${shape.namespaces})`);
    this.name = 'ClusterShapeError';
    this.shape = shape;
  }
}

const NAMESPACE_NAMES = ['default', 'kube-system', 'shop', 'payments', 'identity', 'search', 'media', 'analytics', 'platform', 'edge'];
const SERVICE_WORDS = ['api', 'web', 'db', 'cache', 'worker', 'gateway', 'queue', 'ledger', 'store', 'index',
  'session', 'mailer', 'render', 'proxy', 'events', 'profile', 'pricing', 'inventory', 'checkout', 'auth'];
const HEADLESS_ENDPOINTS = 3;
const CLUSTERIP_ENDPOINTS = 2;

function namespaceNames(count: number): string[] {
  const names = NAMESPACE_NAMES.slice(0, count);
  for (let i = names.length; i < count; i++) names.push(`team-${i}`);
  return names;
}

/** Addresses from a /16-aligned base, 250 per /24 so that no generated address ends in .0 or .255. */
function addressAllocator(base: readonly [number, number, number]): () => string {
  let next = 0;
  return () => {
    const n = next++;
    const third = base[2] + Math.floor(n / 250);
    const second = base[1] + Math.floor(third / 256);
    return `${base[0]}.${second}.${third % 256}.${1 + (n % 250)}`;
  };
}

function systemServices(nextPodIP: () => string): BenchService[] {
  return [
    {
      namespace: 'default', name: 'kubernetes', kind: 'ClusterIP', clusterIP: '10.96.0.1',
      ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }],
      endpoints: [{ ip: '172.18.0.2' }],
    },
    {
      namespace: 'kube-system', name: 'kube-dns', kind: 'ClusterIP', clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 },
        { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 },
        { name: 'metrics', protocol: 'TCP', port: 9153, targetPort: 9153 },
      ],
      endpoints: [{ ip: nextPodIP() }, { ip: nextPodIP() }],
    },
  ];
}

/**
 * Kinds are dealt exactly (so a small cluster still has a headless and an ExternalName service)
 * and then shuffled, so they spread over namespaces and popularity ranks.
 */
function dealKinds(random: Random, shape: ClusterShape): BenchServiceKind[] {
  const headless = Math.max(1, Math.round(shape.services * shape.headlessShare));
  const external = Math.max(1, Math.round(shape.services * shape.externalNameShare));
  const kinds: BenchServiceKind[] = [];
  for (let i = 0; i < shape.services; i++) {
    kinds.push(i < headless ? 'Headless' : i < headless + external ? 'ExternalName' : 'ClusterIP');
  }
  return shuffle(random, kinds);
}

export function buildCluster(random: Random, shape: ClusterShape = DEFAULT_SHAPE): BenchCluster {
  if (shape.namespaces < 2) throw new ClusterShapeError('need at least 2 namespaces for cross-namespace lookups', shape);
  if (shape.services < 2) throw new ClusterShapeError('need at least 2 services', shape);
  const namespaces = namespaceNames(shape.namespaces);
  const nextClusterIP = addressAllocator([10, 96, 1]);
  const nextPodIP = addressAllocator([10, 244, 0]);
  const services = systemServices(nextPodIP);
  const kinds = dealKinds(random, shape);
  let externalCount = 0;
  kinds.forEach((kind, i) => {
    const namespace = namespaces[i % namespaces.length]!;
    const word = SERVICE_WORDS[Math.floor(i / namespaces.length) % SERVICE_WORDS.length]!;
    const name = `${word}-${String(i).padStart(4, '0')}`;
    if (kind === 'ExternalName') {
      services.push({ namespace, name, kind, externalName: `ext-${externalCount++}.partner.example.com`, ports: [], endpoints: [] });
    } else if (kind === 'Headless') {
      const endpoints = Array.from({ length: HEADLESS_ENDPOINTS }, (_, k) => ({ ip: nextPodIP(), hostname: `${name}-${k}` }));
      services.push({ namespace, name, kind, ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], endpoints });
    } else {
      const ports: BenchPort[] = [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }];
      if (random() < 0.3) ports.push({ name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 });
      const endpoints = Array.from({ length: CLUSTERIP_ENDPOINTS }, () => ({ ip: nextPodIP() }));
      services.push({ namespace, name, kind, clusterIP: nextClusterIP(), ports, endpoints });
    }
  });
  return { domain: CLUSTER_DOMAIN, namespaces, services };
}

export function serviceFqdn(service: BenchService, domain: string): string {
  return `${service.name}.${service.namespace}.svc.${domain}`;
}
