import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { emptyReply } from '../../dns/reply.ts';
import type { Reply } from '../../dns/types.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { PluginError } from '../../toolkit/errors.ts';
import type { Handler } from '../../toolkit/types.ts';
import { ErrorReporter, errorsHandler, goDuration } from './handler.ts';
import { parseErrors, type ErrorsOptions } from './parse.ts';

function parse(text: string): ErrorsOptions {
  return parseErrors(parseCorefile(`. {\n${text}\n}\n`, 'Corefile').blocks[0]!.directives[0]!);
}

describe('errors parse', () => {
  it('accepts no argument or stdout', () => {
    expect(parse('errors')).toEqual({ stacktrace: false, consolidate: [] });
    expect(parse('errors stdout').stacktrace).toBe(false);
    expect(() => parse('errors /var/log/x')).toThrow('Corefile:2 - Error during parsing: errors: invalid log file: /var/log/x');
    expect(() => parse('errors stdout more')).toThrow(/Corefile:2/);
  });

  it('reads stacktrace and consolidate rules', () => {
    const options = parse('errors {\n stacktrace\n consolidate 5m ".* i/o timeout$" warning show_first\n consolidate 30s "^Failed to .+"\n}');
    expect(options.stacktrace).toBe(true);
    expect(options.consolidate.map((c) => [c.periodMs, c.source, c.level, c.showFirst])).toEqual([
      [300_000, '.* i/o timeout$', 'warning', true],
      [30_000, '^Failed to .+', 'error', false],
    ]);
  });

  it('refuses bad consolidate lines as CoreDNS does', () => {
    expect(() => parse('errors {\n consolidate 5m\n}')).toThrow(/Corefile:3/);
    expect(() => parse('errors {\n consolidate 5m x show_first warning\n}')).toThrow('log level must come before show_first in consolidate');
    expect(() => parse('errors {\n consolidate 5m x info error\n}')).toThrow('multiple log levels specified in consolidate');
    expect(() => parse('errors {\n consolidate 5m x loud\n}')).toThrow('unknown option in consolidate: loud');
    expect(() => parse('errors {\n consolidate soon x\n}')).toThrow(/invalid duration/);
    expect(() => parse('errors {\n consolidate 5m "("\n}')).toThrow(/Corefile:3/);
    expect(() => parse(`errors {\n consolidate 5m "${'a'.repeat(10_001)}"\n}`)).toThrow('regex pattern too long: 10001 > 10000');
    expect(() => parse('errors {\n verbose\n}')).toThrow("unknown property 'verbose'");
  });
});

describe('errors handler', () => {
  afterEach(() => void vi.useRealTimers());

  const request = requestFor(queryFor('www.example.org', RRType.AAAA));
  const fine = emptyReply(RCode.NOERROR);

  function wrap(text: string, next: Handler) {
    const lines: string[] = [];
    const reporter = new ErrorReporter(parse(text), (line) => void lines.push(line));
    return { lines, reporter, handler: errorsHandler(reporter)(next) };
  }

  it('logs a thrown error as CoreDNS and answers SERVFAIL', () => {
    const { lines, handler } = wrap('errors', () => {
      throw new Error('plugin/kubernetes: no endpoints');
    });
    expect((handler(request) as Reply).rcode).toBe(RCode.SERVFAIL);
    expect(lines).toEqual(['[ERROR] plugin/errors: 2 www.example.org. AAAA: plugin/kubernetes: no endpoints']);
  });

  it('logs a rejection the same way, and passes answers through untouched', async () => {
    const { lines, handler } = wrap('errors', () => Promise.reject(new Error('upstream timeout')));
    expect((await handler(request)).rcode).toBe(RCode.SERVFAIL);
    expect(lines).toEqual(['[ERROR] plugin/errors: 2 www.example.org. AAAA: upstream timeout']);
    expect(wrap('errors', () => fine).handler(request)).toBe(fine);
  });

  it("answers a PluginError's rcode and logs it with that rcode, consolidated or not", () => {
    const refused = () => {
      throw new PluginError('forward', RCode.REFUSED, 'concurrent queries exceeded maximum 2');
    };
    const plain = wrap('errors', refused);
    expect((plain.handler(request) as Reply).rcode).toBe(RCode.REFUSED);
    expect(plain.lines).toEqual(['[ERROR] plugin/errors: 5 www.example.org. AAAA: concurrent queries exceeded maximum 2']);

    const consolidated = wrap('errors {\n consolidate 1m "exceeded maximum"\n}', refused);
    expect([consolidated.handler(request), consolidated.handler(request)].map((reply) => (reply as Reply).rcode)).toEqual([
      RCode.REFUSED,
      RCode.REFUSED,
    ]);
    consolidated.reporter.stop();
    expect(consolidated.lines).toEqual(["[ERROR] plugin/errors: 2 errors like 'exceeded maximum' occurred in last 1m0s"]);
  });

  it('adds the stack under stacktrace', () => {
    const { lines, handler } = wrap('errors {\n stacktrace\n}', () => {
      throw new Error('deep');
    });
    handler(request);
    expect(lines[0]).toMatch(/^\[ERROR\] plugin\/errors: 2 www\.example\.org\. AAAA: deep\nError: deep\n\s+at /);
  });

  it('consolidates matching errors into one line per period', () => {
    vi.useFakeTimers();
    const { lines, handler } = wrap('errors {\n consolidate 30s "i/o timeout$" warning\n}', () => {
      throw new Error('read udp: i/o timeout');
    });
    for (let i = 0; i < 3; i++) handler(request);
    expect(lines).toEqual([]);
    vi.advanceTimersByTime(30_000);
    expect(lines).toEqual(["[WARNING] plugin/errors: 3 errors like 'i/o timeout$' occurred in last 30s"]);
  });

  it('shows the first error at once under show_first and summarizes only repeats', () => {
    vi.useFakeTimers();
    const { lines, handler } = wrap('errors {\n consolidate 1m "timeout" info show_first\n}', () => {
      throw new Error('timeout');
    });
    handler(request);
    vi.advanceTimersByTime(60_000);
    expect(lines).toEqual(['[INFO] plugin/errors: 2 www.example.org. AAAA: timeout']);
    handler(request);
    handler(request);
    vi.advanceTimersByTime(60_000);
    expect(lines.slice(1)).toEqual([
      '[INFO] plugin/errors: 2 www.example.org. AAAA: timeout',
      "[INFO] plugin/errors: 2 errors like 'timeout' occurred in last 1m0s",
    ]);
  });

  it('prints pending counts on stop and logs one by one after it', () => {
    const { lines, reporter, handler } = wrap('errors {\n consolidate 5m "x"\n}', () => {
      throw new Error('x');
    });
    handler(request);
    handler(request);
    reporter.stop();
    handler(request);
    expect(lines).toEqual([
      "[ERROR] plugin/errors: 2 errors like 'x' occurred in last 5m0s",
      '[ERROR] plugin/errors: 2 www.example.org. AAAA: x',
    ]);
  });

  it('prints Go durations', () => {
    expect([250, 1500, 30_000, 90_000, 300_000, 3_600_000, 5_430_500].map(goDuration)).toEqual([
      '250ms',
      '1.5s',
      '30s',
      '1m30s',
      '5m0s',
      '1h0m0s',
      '1h30m30.5s',
    ]);
  });
});
