import { RCode } from '../../dns/constants.ts';
import { isSubdomain, toFqdn } from '../../dns/names.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { DomainName, Reply } from '../../dns/types.ts';
import type { Handler, Request, Transport } from '../../toolkit/types.ts';
import { matchZone } from '../../toolkit/zones.ts';
import { CachedConnectionClosedError, MaxConcurrentError, NoHealthyUpstreamError } from './errors.ts';
import { healthcheckBroken, maxConcurrentRejects } from './metrics.ts';
import { DEFAULTS, type ForwardOptions } from './options.ts';
import { createPolicy, type Policy } from './policy.ts';
import { randomBelow } from './random.ts';
import type { UpstreamAnswer } from './relay.ts';
import { forwardTlsContext, TlsDialer } from './tls-dial.ts';
import { Upstream, type HealthDuty } from './upstream.ts';

const FORMERR = emptyReply(RCode.FORMERR);

/** What one try at one upstream came to. */
type Outcome = { readonly answer: UpstreamAnswer; readonly error: null } | { readonly answer: null; readonly error: unknown };

/**
 * One `forward` directive: its upstreams and the loop of CoreDNS's Forward.ServeDNS over them
 * (policy order, down upstreams skipped, a random one when all are down, failover RCODEs, a
 * 5 s budget and a cap on failed tries).
 */
export class Forward {
  readonly options: ForwardOptions;
  readonly upstreams: readonly Upstream[];
  /** Set when another `forward` of the same block follows: only then do `next` RCODEs go on. */
  followedByForward = false;
  private readonly policy: Policy;
  private readonly overLimit: MaxConcurrentError;
  private concurrent = 0;

  /**
   * `options.upstreams` are the ones used (setup resolves host names first); `health` gives each
   * upstream's health duty, by its index (see HealthDuty).
   */
  constructor(options: ForwardOptions, health: (index: number) => HealthDuty = () => ({ kind: 'local' })) {
    this.options = options;
    // One TLS context for the directive's tls:// upstreams; a plain configuration reads no roots.
    const context = options.upstreams.some((address) => address.scheme !== 'dns') ? forwardTlsContext(options.tls) : null;
    this.upstreams = options.upstreams.map((address, index) => {
      const tls = context !== null && address.scheme !== 'dns' ? new TlsDialer(context, address, options.tlsServerName) : null;
      return new Upstream(address, options, health(index), tls);
    });
    this.policy = createPolicy(options.policy);
    this.overLimit = new MaxConcurrentError(options.maxConcurrent);
  }

  /** Names at or below FROM, except the `except` zones below it (FROM itself always matches). */
  matches(name: DomainName): boolean {
    const { from, except } = this.options;
    if (!isSubdomain(name, from)) return false;
    if (name === from) return true;
    return matchZone(except, name) === null;
  }

  handler(next: Handler): Handler {
    return (request) => this.serve(request, next);
  }

  /** Throws a MaxConcurrentError (answered REFUSED) over max_concurrent, not counted against the upstreams. */
  serve(request: Request, next: Handler): Reply | Promise<Reply> {
    if (!this.matches(request.query.name)) return next(request);
    const { maxConcurrent } = this.options;
    if (maxConcurrent > 0 && this.concurrent >= maxConcurrent) {
      maxConcurrentRejects.inc();
      throw this.overLimit;
    }
    return this.forward(request, next);
  }

  stop(): void {
    for (const upstream of this.upstreams) upstream.stop();
  }

  private transportFor(request: Request, forceTcp: boolean): Transport {
    if (forceTcp) return 'tcp';
    return this.options.preferUdp ? 'udp' : request.transport;
  }

  /** One try, repeated at once on a pooled connection the upstream had closed, and over TCP after TC with prefer_udp. */
  private async tryUpstream(upstream: Upstream, request: Request, deadline: number): Promise<Outcome> {
    let forceTcp = this.options.forceTcp;
    for (;;) {
      let answer: UpstreamAnswer;
      try {
        answer = await upstream.connect(request.query, this.transportFor(request, forceTcp), deadline - Date.now());
      } catch (error) {
        // Each retry consumes a pooled connection, so this ends when the pool is empty.
        if (error instanceof CachedConnectionClosedError) continue;
        return { answer: null, error };
      }
      if (answer.kind === 'reply' && answer.truncated && !forceTcp && this.options.preferUdp) {
        forceTcp = true;
        continue;
      }
      return { answer, error: null };
    }
  }

  private async forward(request: Request, next: Handler): Promise<Reply> {
    this.concurrent++;
    try {
      return await this.forwardLoop(request, next);
    } finally {
      this.concurrent--;
    }
  }

  private async forwardLoop(request: Request, next: Handler): Promise<Reply> {
    const { options, upstreams } = this;
    const list = this.policy.list(upstreams);
    const deadline = Date.now() + DEFAULTS.deadlineMs;
    const maxAttempts = options.maxConnectAttempts ?? DEFAULTS.connectAttemptsPerUpstream * list.length;
    let attempts = 0;
    let downSkipped = 0;
    let failovers = 0;
    let lastError: unknown = null;
    let i = 0;
    while (Date.now() < deadline && (maxAttempts === 0 || attempts < maxAttempts)) {
      if (i >= list.length) {
        i = 0;
        downSkipped = 0;
      }
      let upstream = list[i++]!;
      if (upstream.down(options.maxFails)) {
        downSkipped++;
        if (downSkipped < upstreams.length) continue;
        // Every upstream is down: assume health checking itself is broken and pick one at random.
        healthcheckBroken.inc();
        if (options.failfastAllUnhealthyUpstreams) break;
        upstream = upstreams[randomBelow(upstreams.length)]!;
      }

      const outcome = await this.tryUpstream(upstream, request, deadline);
      if (outcome.answer === null) {
        lastError = outcome.error;
        if (options.maxFails !== 0) upstream.healthcheck();
        if (maxAttempts > 0 && ++attempts >= maxAttempts) break;
        if (downSkipped < upstreams.length) continue;
        break;
      }

      const answer = outcome.answer;
      if (answer.kind === 'mismatch') return FORMERR;
      const rcode = answer.reply.rcode;
      if (options.failover.includes(rcode) && ++failovers < upstreams.length) continue;
      if (this.followedByForward) {
        if (options.next.includes(rcode)) return next(request);
        if (options.nextOnNodata && rcode === RCode.NOERROR && answer.reply.answerCount === 0) return next(request);
      }
      return answer.reply;
    }
    if (lastError !== null) throw lastError;
    throw new NoHealthyUpstreamError(toFqdn(options.from));
  }
}
