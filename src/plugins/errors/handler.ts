import { typeName } from '../../dns/constants.ts';
import { toFqdn } from '../../dns/names.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { Reply } from '../../dns/types.ts';
import type { LineWriter } from '../../toolkit/console.ts';
import { failureRcode } from '../../toolkit/errors.ts';
import { isPromiseLike } from '../../toolkit/promise.ts';
import type { HandlerFactory, Request } from '../../toolkit/types.ts';
import type { ConsolidateLevel, ConsolidateRule, ErrorsOptions } from './parse.ts';

const PREFIX: Record<ConsolidateLevel, string | null> = {
  error: '[ERROR] plugin/errors: ',
  warning: '[WARNING] plugin/errors: ',
  info: '[INFO] plugin/errors: ',
  // CoreDNS prints debug lines only under its `debug` plugin, which clusterdns does not have.
  debug: null,
};

/** A duration as Go prints one: `250ms`, `30s`, `1m30s`, `5m0s`, `1h0m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = `${(ms % 60_000) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  return minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** Counts one consolidate rule's errors over its period. */
class Consolidation {
  readonly rule: ConsolidateRule;
  private count = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly write: LineWriter;

  constructor(rule: ConsolidateRule, write: LineWriter) {
    this.rule = rule;
    this.write = write;
  }

  /** Counts an error; true when it is absorbed, false when it must be logged now (show_first). */
  absorb(): boolean {
    this.count++;
    if (this.count > 1) return true;
    this.timer = setTimeout(() => this.summarize(), this.rule.periodMs);
    this.timer.unref();
    return !this.rule.showFirst;
  }

  summarize(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const count = this.count;
    this.count = 0;
    if (count === 0 || (count === 1 && this.rule.showFirst)) return;
    const prefix = PREFIX[this.rule.level];
    const { source, periodMs } = this.rule;
    if (prefix) this.write(`${prefix}${count} errors like '${source}' occurred in last ${goDuration(periodMs)}`);
  }
}

/**
 * Logs what the rest of the chain threw, as CoreDNS's errors plugin, and answers with the error's
 * RCODE: a PluginError's own (REFUSED for forward over max_concurrent), SERVFAIL for anything else.
 */
export class ErrorReporter {
  private readonly stacktrace: boolean;
  private readonly consolidations: Consolidation[];
  private readonly write: LineWriter;
  private stopped = false;

  constructor(options: ErrorsOptions, write: LineWriter) {
    this.stacktrace = options.stacktrace;
    this.consolidations = options.consolidate.map((rule) => new Consolidation(rule, write));
    this.write = write;
  }

  report(request: Request, error: unknown): Reply {
    const rcode = failureRcode(error);
    const message = error instanceof Error ? error.message : String(error);
    let prefix = PREFIX.error;
    if (!this.stopped) {
      const consolidation = this.consolidations.find((c) => c.rule.pattern.test(message));
      if (consolidation) {
        if (consolidation.absorb()) return emptyReply(rcode);
        prefix = PREFIX[consolidation.rule.level];
      }
    }
    if (prefix) {
      const { query } = request;
      const stack = this.stacktrace && error instanceof Error && error.stack ? `\n${error.stack}` : '';
      this.write(`${prefix}${rcode} ${toFqdn(query.name)} ${typeName(query.type)}: ${message}${stack}`);
    }
    return emptyReply(rcode);
  }

  /** Prints the counts still pending; errors after this are logged one by one. */
  stop(): void {
    this.stopped = true;
    for (const consolidation of this.consolidations) consolidation.summarize();
  }
}

export function errorsHandler(reporter: ErrorReporter): HandlerFactory {
  return (next) => (request) => {
    let result: Reply | Promise<Reply>;
    try {
      result = next(request);
    } catch (error) {
      return reporter.report(request, error);
    }
    if (isPromiseLike(result)) return result.then(undefined, (error: unknown) => reporter.report(request, error));
    return result;
  };
}
