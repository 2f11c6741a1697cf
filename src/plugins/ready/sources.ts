import type { Readiness } from '../../toolkit/types.ts';

/** The readiness of one block with a `ready` directive. */
export class ReadySource {
  readiness: readonly Readiness[] = [];
  /** Set when the server is asked to stop: /ready then fails while the lameduck lasts. */
  stopping = false;
  private readonly continuously: boolean;
  /** Those that were ready once, not asked again unless monitoring continuously (CoreDNS's default). */
  private readonly confirmed = new WeakSet<Readiness>();

  constructor(continuously: boolean) {
    this.continuously = continuously;
  }

  /** Adds the names of those not ready to `into`. */
  collectNotReady(into: Set<string>): void {
    for (const entry of this.readiness) {
      if (!this.continuously && this.confirmed.has(entry)) continue;
      if (!entry.ready()) into.add(entry.name);
      else if (!this.continuously) this.confirmed.add(entry);
    }
  }
}

export type ReadyState = { readonly kind: 'ready' } | { readonly kind: 'stopping' } | { readonly kind: 'waiting'; readonly names: string };

/**
 * The blocks reporting on each address: every block whose `ready` names the address adds to one
 * answer, as CoreDNS unions the plugins of all blocks with `ready`; a reload's old and new blocks
 * overlap until the old ones shut down.
 */
export class ReadySources {
  private readonly byAddress = new Map<string, Set<ReadySource>>();

  add(address: string, source: ReadySource): void {
    let sources = this.byAddress.get(address);
    if (sources === undefined) this.byAddress.set(address, (sources = new Set()));
    sources.add(source);
  }

  remove(address: string, source: ReadySource): void {
    const sources = this.byAddress.get(address);
    sources?.delete(source);
    if (sources?.size === 0) this.byAddress.delete(address);
  }

  /** Ready, stopping, or the names of those not ready, sorted and joined by commas (CoreDNS's body). */
  state(address: string): ReadyState {
    const sources = this.byAddress.get(address) ?? new Set<ReadySource>();
    for (const source of sources) if (source.stopping) return { kind: 'stopping' };
    const waiting = new Set<string>();
    for (const source of sources) source.collectNotReady(waiting);
    if (waiting.size === 0) return { kind: 'ready' };
    return { kind: 'waiting', names: [...waiting].sort().join(',') };
  }
}
