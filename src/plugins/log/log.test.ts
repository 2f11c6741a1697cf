import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { HeaderFlag, RCode, RRType } from '../../dns/constants.ts';
import { encodeQuery } from '../../dns/query.ts';
import { prepareReply } from '../../dns/reply.ts';
import type { ResourceRecord } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { directives } from '../../test-support/corefile.ts';
import { soa as soaRecord } from '../../test-support/records.ts';
import { queryFor } from '../../test-support/request.ts';
import type { Handler } from '../../toolkit/types.ts';
import { composeChain } from '../../server/chain.ts';
import { Dispatcher } from '../../server/dispatch.ts';
import { PendingAnswers } from '../../server/pending.ts';
import { classify, typify } from './classify.ts';
import { COMMON_LOG_FORMAT, compileFormat, formatSeconds } from './format.ts';
import { logHandler } from './handler.ts';
import { parseLog, type LogRule } from './parse.ts';

function rulesOf(text: string): LogRule[] {
  return directives(text).flatMap((d) => parseLog(d).rules);
}

const soa = soaRecord('example.org', 5, 5);
const ns: ResourceRecord = { name: 'sub.example.org', type: RRType.NS, ttl: 5, target: 'ns.sub.example.org' };
const a: ResourceRecord = { name: 'www.example.org', type: RRType.A, ttl: 5, address: '10.0.0.1' };

function reply(rcode: number, answer: ResourceRecord[] = [], authority: ResourceRecord[] = []) {
  return prepareReply({ rcode, flags: HeaderFlag.AA, qname: null, sections: { answer, authority, additional: [] } });
}

describe('log parse', () => {
  it('logs everything in the common format without arguments', () => {
    const [rule] = rulesOf('log');
    expect(rule).toMatchObject({ scope: '', classes: new Set(['all']) });
    expect(rule!.format).toEqual(compileFormat(COMMON_LOG_FORMAT));
  });

  it('takes one argument as a name, even with a brace, as CoreDNS', () => {
    expect(rulesOf('log Example.ORG.').map((r) => r.scope)).toEqual(['example.org']);
    expect(rulesOf('log {combined}').map((r) => r.scope)).toEqual(['{combined}']);
  });

  it('takes the last of several arguments as the format when it has a brace', () => {
    const rules = rulesOf('log a.org b.org "{name} {type}"');
    expect(rules.map((r) => r.scope)).toEqual(['a.org', 'b.org']);
    expect(rules[0]!.format).toEqual(compileFormat('{name} {type}'));
    expect(rulesOf('log a.org b.org').map((r) => r.scope)).toEqual(['a.org', 'b.org']);
    expect(rulesOf('log . {combined}')[0]!.format).toEqual(compileFormat(`${COMMON_LOG_FORMAT} "{>opcode}"`));
    expect(rulesOf('log . "x {common}"')[0]!.format).toEqual(compileFormat(`x ${COMMON_LOG_FORMAT}`));
  });

  it('collects classes from the block, over several lines', () => {
    expect(rulesOf('log {\n class denial\n class success error\n}')[0]!.classes).toEqual(new Set(['denial', 'success', 'error']));
  });

  it('refuses unknown classes, empty class lines and unknown properties, naming the line', () => {
    expect(() => rulesOf('log {\n class nosuch\n}')).toThrow('Corefile:3 - Error during parsing: log: invalid Class: nosuch');
    expect(() => rulesOf('log {\n class\n}')).toThrow(CorefileError);
    expect(() => rulesOf('log {\n format x\n}')).toThrow("unknown property 'format'");
  });
});

describe('log format', () => {
  it('splits placeholders, metadata and literal text as CoreDNS', () => {
    expect(compileFormat('A } {type} {x} {/log/class}{name}')).toEqual([
      { kind: 'literal', text: 'A } ' },
      { kind: 'label', label: '{type}' },
      { kind: 'literal', text: ' {x} ' },
      { kind: 'metadata', key: 'log/class' },
      { kind: 'label', label: '{name}' },
    ]);
    expect(compileFormat('{ {name} }')).toEqual([
      { kind: 'literal', text: '{ ' },
      { kind: 'label', label: '{name}' },
      { kind: 'literal', text: ' }' },
    ]);
  });

  it('prints durations as Go prints float seconds', () => {
    expect(formatSeconds(37_990_251)).toBe('0.037990251');
    expect(formatSeconds(1_500_000_000)).toBe('1.5');
    expect(formatSeconds(750)).toBe('0.00000075');
    expect(formatSeconds(0)).toBe('0');
  });
});

describe('log classify', () => {
  const query = queryFor('www.example.org', RRType.A);

  it('types responses as CoreDNS response.Typify', () => {
    expect(typify(query, reply(RCode.NOERROR, [a]))).toBe('NOERROR');
    expect(typify(query, reply(RCode.NOERROR, [], [soa]))).toBe('NODATA');
    expect(typify(query, reply(RCode.NXDOMAIN, [], [soa]))).toBe('NXDOMAIN');
    expect(typify(query, reply(RCode.NXDOMAIN, [a], [soa]))).toBe('OTHERERROR');
    expect(typify(query, reply(RCode.NOERROR, [], [ns]))).toBe('DELEGATION');
    expect(typify(query, reply(RCode.NOERROR, [a], [ns]))).toBe('NOERROR');
    expect(typify(query, reply(RCode.SERVFAIL))).toBe('SERVERERROR');
    expect(typify(query, reply(RCode.REFUSED))).toBe('OTHERERROR');
    expect(typify(query, reply(RCode.NOERROR))).toBe('NOERROR');
    expect(typify(queryFor('example.org', RRType.AXFR), reply(RCode.NOERROR, [soa]))).toBe('META');
  });

  it('classes them as success, denial or error', () => {
    expect(['NOERROR', 'DELEGATION', 'NXDOMAIN', 'NODATA', 'SERVERERROR', 'OTHERERROR', 'META'].map((t) => classify(t as never))).toEqual([
      'success',
      'success',
      'denial',
      'denial',
      'error',
      'error',
      'error',
    ]);
  });
});

describe('log handler', () => {
  /** Answers A with one record, NXDOMAIN under nx., SERVFAIL under broken. */
  const backend: Handler = (request) => {
    const { name } = request.query;
    if (name.endsWith('broken.test')) throw new Error('backend failed');
    if (name.startsWith('nx.')) return reply(RCode.NXDOMAIN, [], [soa]);
    return reply(RCode.NOERROR, [{ ...a, name }]);
  };

  function serve(text: string) {
    const lines: string[] = [];
    const links = directives(text).map((d) => ({ plugin: 'log', factory: logHandler(parseLog(d).rules, (line) => void lines.push(line)) }));
    const handler = composeChain([...links, { plugin: 'backend', factory: () => backend }]);
    const routing = { routes: [{ zone: '', handler }], acceptAnyClass: false, pending: new PendingAnswers() };
    const dispatcher = new Dispatcher({ server: 'dns://:53', routing, logger: silentLogger });
    const ask = (name: string, options: { tcp?: boolean; id?: number; edns?: { udpSize: number; dnssecOk?: boolean } } = {}) => {
      const packet = encodeQuery(name, RRType.A, { id: options.id ?? 4242, edns: options.edns });
      const transport = options.tcp ? 'tcp' : 'udp';
      return dispatcher.dispatch(packet, { transport, remoteAddress: '2001:db8::5', remotePort: 53000, localAddress: '::', localPort: 53 }) as Buffer;
    };
    return { lines, ask };
  }

  it('writes the common log format line with the response it sent', () => {
    const { lines, ask } = serve('log');
    const response = ask('www.example.org', { edns: { udpSize: 4096, dnssecOk: true } });
    expect(lines).toHaveLength(1);
    const match = /^\[INFO\] \[2001:db8::5\]:53000 - 4242 "A IN www\.example\.org\. udp (\d+) true 4096" NOERROR qr,aa,rd (\d+) (\d+(\.\d+)?)s$/.exec(lines[0]!);
    expect(match, lines[0]).not.toBeNull();
    expect(Number(match![1])).toBe(encodeQuery('www.example.org', RRType.A, { edns: { udpSize: 4096 } }).length);
    // The reply as written, without the OPT record the server adds.
    expect(Number(match![2])).toBe(response.length - 11);
  });

  it('shows the TCP buffer size, rcode and flags of failures', () => {
    const { lines, ask } = serve('log . "{proto} {>bufsize} {rcode} {>rflags} {/log/type} {/log/class} {/nothing} {local}"');
    ask('a.broken.test', { tcp: true });
    ask('nx.example.org');
    expect(lines).toEqual(['[INFO] tcp 65535 SERVFAIL qr,rd SERVERERROR error - [::]', '[INFO] udp 512 NXDOMAIN qr,aa,rd NXDOMAIN denial - [::]']);
  });

  it('logs only the classes asked for', () => {
    const { lines, ask } = serve('log . "{name}" {\n class denial\n}');
    ask('www.example.org');
    ask('nx.example.org');
    expect(lines).toEqual(['[INFO] nx.example.org.']);
  });

  it('logs a query once, by the first rule whose name covers it, across log lines', () => {
    const { lines, ask } = serve('log example.org "first {name}"\nlog . "second {name}"');
    ask('www.example.org');
    ask('www.example.net');
    ask('other.test');
    expect(lines).toEqual(['[INFO] first www.example.org.', '[INFO] second www.example.net.', '[INFO] second other.test.']);
  });

  it('does not log names outside its rules', () => {
    const { lines, ask } = serve('log example.org');
    ask('www.example.net');
    expect(lines).toEqual([]);
  });
});
