import { isSubdomain } from '../../dns/names.ts';
import type { Reply } from '../../dns/types.ts';
import type { LineWriter } from '../../toolkit/console.ts';
import { hasObserver, observeResponse, type ResponseObserver } from '../../toolkit/request.ts';
import type { HandlerFactory, Request } from '../../toolkit/types.ts';
import { classify, typify, type ResponseClass, type ResponseType } from './classify.ts';
import { renderFormat, type LogContext } from './format.ts';
import type { LogRule } from './parse.ts';

/** One query being logged: waits for the encoded response, then writes its line if the class matches. */
class LogEntry implements ResponseObserver {
  readonly plugin = 'log';
  private readonly rule: LogRule;
  private readonly started: number;
  private readonly write: LineWriter;

  constructor(rule: LogRule, started: number, write: LineWriter) {
    this.rule = rule;
    this.started = started;
    this.write = write;
  }

  responded(request: Request, reply: Reply, response: Buffer): void {
    let type: ResponseType | undefined;
    const responseType = (): ResponseType => (type ??= typify(request.query, reply));
    const responseClass = (): ResponseClass => classify(responseType());
    const { classes, format } = this.rule;
    if (!classes.has('all') && !classes.has(responseClass())) return;
    const durationNs = Math.round((performance.now() - this.started) * 1e6);
    const context: LogContext = { request, reply, response, durationNs, responseType, responseClass };
    this.write(`[INFO] ${renderFormat(format, context)}`);
  }
}

/**
 * The first rule whose name covers the query logs it, once, even when several `log` directives
 * of the block match (CoreDNS keeps them as one rule list). The line is written when the
 * response is encoded, so it carries the final size, flags and duration.
 */
export function logHandler(rules: readonly LogRule[], write: LineWriter): HandlerFactory {
  return (next) => (request) => {
    if (!hasObserver(request, 'log')) {
      const name = request.query.name;
      for (const rule of rules) {
        if (!isSubdomain(name, rule.scope)) continue;
        observeResponse(request, new LogEntry(rule, performance.now(), write));
        break;
      }
    }
    return next(request);
  };
}
