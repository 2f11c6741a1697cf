import type { Backend, BackendPool } from './backends.ts';
import type { SchedulerName } from './types.ts';

/**
 * Picks a backend for a new connection or flow, skipping those already tried for it; undefined
 * when every backend was. Pools are never empty when asked.
 */
export type Scheduler = (pool: BackendPool, clientIP: string, tried: ReadonlySet<Backend> | undefined) => Backend | undefined;

/** The first untried backend from `start` on, wrapping; advances the round-robin cursor past it. */
function firstUntried(pool: BackendPool, start: number, tried: ReadonlySet<Backend> | undefined): Backend | undefined {
  const { backends } = pool;
  const count = backends.length;
  for (let i = 0; i < count; i++) {
    const index = (start + i) % count;
    const backend = backends[index] as Backend;
    if (tried?.has(backend)) continue;
    pool.cursor = (index + 1) % count;
    return backend;
  }
  return undefined;
}

const roundRobin: Scheduler = (pool, _clientIP, tried) => firstUntried(pool, pool.cursor, tried);

const random: Scheduler = (pool, _clientIP, tried) => firstUntried(pool, Math.floor(Math.random() * pool.backends.length), tried);

/** Fewest open connections; ties go round robin so that idle backends share evenly. */
const leastConnections: Scheduler = (pool, _clientIP, tried) => {
  const { backends } = pool;
  const count = backends.length;
  let best: Backend | undefined;
  let bestIndex = 0;
  for (let i = 0; i < count; i++) {
    const index = (pool.cursor + i) % count;
    const backend = backends[index] as Backend;
    if (tried?.has(backend)) continue;
    if (best === undefined || backend.active < best.active) {
      best = backend;
      bestIndex = index;
    }
  }
  if (best !== undefined) pool.cursor = (bestIndex + 1) % count;
  return best;
};

/** The same client goes to the same backend while the backend set stays the same. */
const sourceHash: Scheduler = (pool, clientIP, tried) => firstUntried(pool, fnv1a(clientIP) % pool.backends.length, tried);

/** 32-bit FNV-1a over the address's characters: cheap, allocation-free, well spread for IPs. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const SCHEDULER_FUNCTIONS: Readonly<Record<SchedulerName, Scheduler>> = {
  rr: roundRobin,
  random,
  lc: leastConnections,
  sh: sourceHash,
};

export function schedulerFor(name: SchedulerName): Scheduler {
  return SCHEDULER_FUNCTIONS[name];
}
