import { RCode, RRType } from '../../dns/constants.ts';
import { isSubdomain, toFqdn } from '../../dns/names.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import type { LineWriter } from '../../toolkit/console.ts';
import { joinHostPort } from '../../toolkit/host-port.ts';
import type { Handler, Request } from '../../toolkit/types.ts';
import { dialHost, exchangeProbe, probeName } from './probe.ts';

/** CoreDNS keeps probing this long after startup, a second apart, until one probe is answered. */
export const PROBE_WINDOW_MS = 30_000;
export const PROBE_RETRY_MS = 1_000;
/** Seen this many times, the probe has gone round in a loop. */
const MAX_SEEN = 2;

export interface LoopOptions {
  /** The block's first zone: the probe is asked below it. */
  readonly zone: DomainName;
  readonly write: LineWriter;
  /** Ends the process (CoreDNS's log.Fatal exits 1); tests pass their own. */
  readonly exit: (code: number) => void;
}

/**
 * CoreDNS's loop plugin: right after startup it asks its own listener for a random HINFO name and
 * counts how often that query comes through the chain. Three times means the forwarders send
 * it back round: the process logs FATAL and exits. Once a probe is answered (or after 30 s of
 * trying) the plugin only passes queries on.
 */
export class Loop {
  readonly qname: DomainName;
  private readonly options: LoopOptions;
  private seen = 0;
  private disabled = false;
  private fatal = false;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  /** Where the block listens: the configured host ('' for every interface) and port. */
  private host = '';
  private port = 0;

  constructor(options: LoopOptions) {
    this.options = options;
    this.qname = probeName(options.zone);
  }

  /** Tells where the probe goes, once the server knows the block's address. */
  listenOn(host: string, port: number): void {
    this.host = host;
    this.port = port;
  }

  /** Whether queries are still watched for the probe (until it is answered, or 30 s have passed). */
  get watching(): boolean {
    return !this.disabled;
  }

  /** `host:port` as CoreDNS prints the address it probes (`:53` for every interface). */
  get address(): string {
    return joinHostPort(this.host, this.port);
  }

  handler(next: Handler): Handler {
    return (request) => this.serve(request, next);
  }

  serve(request: Request, next: Handler): Reply | Promise<Reply> {
    const { query } = request;
    if (query.type !== RRType.HINFO || this.disabled || !isSubdomain(query.name, this.options.zone)) return next(request);
    // Only reached past a detection when `exit` did not end the process (tests): break the circle.
    if (this.sighted(query.name, joinHostPort(request.remoteAddress, request.remotePort))) return emptyReply(RCode.SERVFAIL);
    return next(request);
  }

  /**
   * A HINFO query in the zone, seen here or by a worker thread (which cannot know the probe's
   * name): counts it when it is the probe. True once that makes a loop, the process then ending.
   */
  sighted(qname: DomainName, from: string): boolean {
    if (this.disabled) return false;
    if (qname === this.qname) this.seen++;
    if (this.seen <= MAX_SEEN) return false;
    this.loopDetected(from);
    return true;
  }

  /** Starts probing in the background: the listeners are not open yet when this runs. */
  start(): void {
    if (this.port === 0) {
      // A free port chosen at listen time (tests): there is no address to probe.
      this.disabled = true;
      return;
    }
    const deadline = Date.now() + PROBE_WINDOW_MS;
    const attempt = (): void => {
      this.retry = null;
      if (this.stopped || this.disabled) return;
      if (Date.now() >= deadline) {
        this.disabled = true;
        return;
      }
      exchangeProbe(dialHost(this.host), this.port, this.qname).then(
        () => void (this.disabled = true),
        () => {
          // Unanswered: the count starts over, as CoreDNS resets it before the next try.
          this.seen = 0;
          if (!this.stopped && !this.disabled) this.retry = setTimeout(attempt, PROBE_RETRY_MS);
        },
      );
    };
    setImmediate(attempt);
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
  }

  private loopDetected(from: string): void {
    this.disabled = true;
    if (!this.fatal) {
      this.fatal = true;
      const { write, exit, zone } = this.options;
      write(
        `[FATAL] plugin/loop: Loop (${from} -> ${this.address}) detected for zone ${JSON.stringify(toFqdn(zone))}, ` +
          `see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO ${toFqdn(this.qname)}"`,
      );
      exit(1);
    }
  }
}
