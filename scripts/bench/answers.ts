/**
 * What a CoreDNS-compatible server must answer for the synthetic cluster (Kubernetes DNS spec
 * plus CoreDNS's SRV weights), for the names the benchmark asks. It classifies every generated
 * query and gives the expected answers the run checks the server against before loading it.
 */
import { serviceFqdn, type BenchCluster, type BenchService } from './model.ts';

export type QueryType = 'A' | 'AAAA' | 'SRV';

/** What a query is, as far as the mix is concerned: a positive answer of its type, or not. */
export type QueryClass = QueryType | 'NXDOMAIN' | 'NODATA' | 'CNAME';

export interface ExpectedAnswer {
  readonly rcode: 'NOERROR' | 'NXDOMAIN';
  /** Answer-section rdata of the queried type, as dig prints it, sorted. */
  readonly answers: readonly string[];
}

/** CoreDNS spreads weight 100 over the records of one priority, rounding down. */
function srvWeight(count: number): number {
  return Math.floor((100 / (100 * count)) * 100);
}

export class AnswerIndex {
  readonly #records = new Map<string, Map<string, string[]>>();
  readonly #existing = new Set<string>();
  readonly #domain: string;

  constructor(cluster: BenchCluster) {
    this.#domain = cluster.domain;
    for (const service of cluster.services) this.#addService(service);
  }

  #add(name: string, type: string, rdata: string): void {
    let byType = this.#records.get(name);
    if (!byType) this.#records.set(name, (byType = new Map()));
    const list = byType.get(type);
    if (list) list.push(rdata);
    else byType.set(type, [rdata]);
    // Every ancestor up to the zone exists (an empty non-terminal answers NODATA, not NXDOMAIN).
    let at = name;
    for (;;) {
      this.#existing.add(at);
      const dot = at.indexOf('.');
      if (at === this.#domain || dot < 0) break;
      at = at.slice(dot + 1);
    }
  }

  #addService(service: BenchService): void {
    const fqdn = serviceFqdn(service, this.#domain);
    if (service.kind === 'ExternalName') {
      this.#add(fqdn, 'CNAME', `${service.externalName}.`);
      return;
    }
    if (service.kind === 'ClusterIP') {
      this.#add(fqdn, 'A', service.clusterIP!);
      for (const port of service.ports) {
        this.#add(`_${port.name}._${port.protocol.toLowerCase()}.${fqdn}`, 'SRV', `0 100 ${port.port} ${fqdn}.`);
      }
      return;
    }
    const weight = srvWeight(service.endpoints.length);
    for (const endpoint of service.endpoints) {
      this.#add(fqdn, 'A', endpoint.ip);
      const target = endpoint.hostname ? `${endpoint.hostname}.${fqdn}` : `${endpoint.ip.replaceAll('.', '-')}.${fqdn}`;
      if (endpoint.hostname) this.#add(target, 'A', endpoint.ip);
      for (const port of service.ports) {
        this.#add(`_${port.name}._${port.protocol.toLowerCase()}.${fqdn}`, 'SRV', `0 ${weight} ${port.targetPort} ${target}.`);
      }
    }
  }

  classify(name: string, type: QueryType): QueryClass {
    const byType = this.#records.get(name);
    if (byType?.has('CNAME')) return 'CNAME';
    if (byType?.has(type)) return type;
    return this.#existing.has(name) ? 'NODATA' : 'NXDOMAIN';
  }

  expected(name: string, type: QueryType): ExpectedAnswer {
    const rdata = this.#records.get(name)?.get(type) ?? [];
    return {
      rcode: this.#existing.has(name) ? 'NOERROR' : 'NXDOMAIN',
      answers: [...rdata].sort(),
    };
  }
}
