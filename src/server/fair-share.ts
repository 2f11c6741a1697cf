import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { counter } from '../metrics/registry.ts';

/**
 * When a thread cannot keep up, UDP queries from the clients sending more than their max-min fair
 * share of what it can answer are dropped before they are parsed, so the others' are answered: a
 * saturated server otherwise loses queries at random in the kernel's socket queue, mostly the many
 * small clients'.
 */
export interface FairShareSettings {
  /** How often the thread's busyness is read and the shares worked out. */
  readonly tickMs: number;
  /** A tick this busy (event loop utilization, 0 to 1) starts counting queries per client. */
  readonly watchAbove: number;
  /** A tick this busy while counting means the thread is saturated: shares apply. */
  readonly saturatedAbove: number;
  /** Ticks in a row with fewer arrivals than most of what the thread could answer before shares are lifted. */
  readonly calmTicks: number;
  /** Clients counted per tick; later ones in that tick are neither counted nor held. */
  readonly maxClients: number;
}

export const DEFAULT_FAIR_SHARE: FairShareSettings = {
  tickMs: 100,
  watchAbove: 0.9,
  saturatedAbove: 0.95,
  calmTicks: 10,
  maxClients: 10_000,
};

/** The share of the capacity handed out, so the thread is left room to read and drop the rest. */
const HEADROOM = 0.8;
/** Below this share of the capacity, a tick counts as calm. */
const CALM_SHARE_OF_CAPACITY = 0.7;
/**
 * While shares apply, the busyness aimed at: above it the capacity is lowered by CAPACITY_BACKOFF,
 * below ROOM_BELOW raised by CAPACITY_GROWTH. A thread kept just under saturation still overflows
 * its socket queue on every pause: the flood's packets must leave room to be read as they come.
 */
const CROWDED_ABOVE = 0.85;
const ROOM_BELOW = 0.7;
const CAPACITY_BACKOFF = 0.8;
const CAPACITY_GROWTH = 1.05;

/** The thread's busyness since the previous call, 0 to 1. */
export type Busyness = () => number;

/** Busyness from the event loop utilization of this thread. */
export function eventLoopBusyness(): Busyness {
  let last = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const since = performance.eventLoopUtilization(now, last);
    last = now;
    return since.utilization;
  };
}

/** Calm: nothing counted. Counting: busy, queries counted per client. Sharing: saturated, heavy clients held to a share. */
type Mode = 'calm' | 'counting' | 'sharing';

const drops = counter({
  name: 'clusterdns_dns_fair_share_drops_total',
  help: 'UDP queries dropped while the server was saturated, from clients sending more than their fair share.',
  labelNames: ['server'],
});

/** The drop counter of one listener. */
export function fairShareDrops(server: string): { inc(): void } {
  return drops.cell(server);
}

/**
 * One a server (so a thread): shared by its listeners, which ask `admits` for each UDP query.
 * Calm, the check is one comparison; counting and sharing, a Map lookup and update per query.
 */
export class FairShare {
  private readonly settings: FairShareSettings;
  private readonly busyness: Busyness;
  private readonly logger: Logger;
  private mode: Mode = 'calm';
  private counts = new Map<string, number>();
  /** While sharing: the most queries a client is answered in a tick. */
  private level = Infinity;
  /** Queries a tick the thread answered when it was last found saturated. */
  private capacity = 0;
  private calmStreak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(settings: FairShareSettings, logger: Logger, busyness: Busyness = eventLoopBusyness()) {
    this.settings = settings;
    this.logger = logger;
    this.busyness = busyness;
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.settings.tickMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Whether a UDP query from `client` is to be answered. */
  admits(client: string): boolean {
    if (this.mode === 'calm') return true;
    const seen = this.counts.get(client);
    if (seen === undefined && this.counts.size >= this.settings.maxClients) return true;
    const count = (seen ?? 0) + 1;
    this.counts.set(client, count);
    return count <= this.level;
  }

  /** Reads the busyness of the tick that ended and decides the next one's shares. */
  tick(): void {
    const busy = this.busyness();
    if (this.mode === 'calm') {
      if (busy >= this.settings.watchAbove) this.mode = 'counting';
      return;
    }
    const { counts } = this;
    this.counts = new Map();
    if (this.mode === 'counting') this.afterCounting(busy, counts);
    else this.afterSharing(busy, counts);
  }

  /** Saturated with several clients counted: shares begin; under watchAbove: calm again. */
  private afterCounting(busy: number, counts: ReadonlyMap<string, number>): void {
    if (busy >= this.settings.saturatedAbove && counts.size > 1) {
      this.capacity = total(counts);
      this.mode = 'sharing';
      this.calmStreak = 0;
      this.share(counts);
      this.logger.warn({ capacityPerSecond: this.perSecond(this.capacity), sharePerSecond: this.perSecond(this.level), held: heaviest(counts, this.level) }, "saturated: queries over a client's fair share are dropped");
    } else if (busy < this.settings.watchAbove) {
      this.mode = 'calm';
    }
  }

  /** The capacity follows the busyness; calmTicks quiet ticks in a row end the shares. */
  private afterSharing(busy: number, counts: ReadonlyMap<string, number>): void {
    if (busy >= CROWDED_ABOVE) this.capacity = Math.max(1, Math.floor(this.capacity * CAPACITY_BACKOFF));
    else if (busy < ROOM_BELOW) this.capacity = Math.ceil(this.capacity * CAPACITY_GROWTH);
    this.calmStreak = total(counts) < this.capacity * CALM_SHARE_OF_CAPACITY ? this.calmStreak + 1 : 0;
    if (this.calmStreak < this.settings.calmTicks) {
      this.share(counts);
      return;
    }
    this.mode = 'calm';
    this.level = Infinity;
    this.logger.info('no longer saturated: every client is answered');
  }

  /**
   * Max-min fairness over the clients of the tick that ended: the ones that sent less than an even
   * split of what is left are answered in full, and the rest share what remains evenly.
   */
  private share(counts: ReadonlyMap<string, number>): void {
    const sent = [...counts.values()].sort((a, b) => a - b);
    let left = this.capacity * HEADROOM;
    this.level = Infinity;
    for (let i = 0; i < sent.length; i++) {
      const even = left / (sent.length - i);
      if (sent[i]! > even) {
        this.level = Math.max(1, Math.floor(even));
        return;
      }
      left -= sent[i]!;
    }
  }

  private perSecond(perTick: number): number {
    return Math.round((perTick * 1000) / this.settings.tickMs);
  }
}

/** The clients held to `level`, the most sending first, for the log: at most five. */
function heaviest(counts: ReadonlyMap<string, number>, level: number): string[] {
  return [...counts]
    .filter(([, count]) => count > level)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([client]) => client);
}

function total(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const count of counts.values()) sum += count;
  return sum;
}
