import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { CorefileError } from '../../corefile/types.ts';
import { planServer } from '../../server/config.ts';
import { directive } from '../../test-support/corefile.ts';
import { plugins } from '../../test-support/plugins.ts';
import { canonicalAddress, type InterfaceTable } from './addresses.ts';
import { parseBind } from './parse.ts';

function entry(address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo {
  const base = { address, netmask: '', mac: '00:00:00:00:00:00', internal: false, cidr: null };
  return family === 'IPv4' ? { ...base, family } : { ...base, family, scopeid: 0 };
}

const INTERFACES: InterfaceTable = {
  lo: [entry('127.0.0.1', 'IPv4'), entry('::1', 'IPv6')],
  eth0: [entry('192.0.2.2', 'IPv4'), entry('fd00::2', 'IPv6'), entry('fe80::fc:ff:fe00:1', 'IPv6')],
};

function bind(text: string) {
  return parseBind(directive(text), INTERFACES).listenHosts;
}

function bindError(text: string): CorefileError {
  try {
    bind(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CorefileError);
    return error as CorefileError;
  }
  throw new Error('parseBind accepted the directive');
}

describe('bind parse', () => {
  it('takes IP addresses as written, IPv6 in its canonical spelling', () => {
    expect(bind('bind 127.0.0.1 ::0:1 2001:DB8::1')).toEqual(['127.0.0.1', '::1', '2001:db8::1']);
  });

  it('expands an interface name to all its addresses, link-local ones scoped to the interface', () => {
    expect(bind('bind lo')).toEqual(['127.0.0.1', '::1']);
    expect(bind('bind eth0')).toEqual(['192.0.2.2', 'fd00::2', 'fe80::fc:ff:fe00:1%eth0']);
  });

  it('removes the addresses of except, given as addresses or interface names', () => {
    expect(bind('bind lo {\n except 127.0.0.1\n}')).toEqual(['::1']);
    expect(bind('bind lo eth0 {\n except lo\n}')).toEqual(['192.0.2.2', 'fd00::2', 'fe80::fc:ff:fe00:1%eth0']);
    expect(bind('bind lo {\n except ::0:1\n}')).toEqual(['127.0.0.1']);
  });

  it('refuses what is neither an address nor an interface, naming the line', () => {
    expect(bindError('bind 127.0.0.1 eth9').message).toBe(
      'Corefile:2 - Error during parsing: bind: not a valid IP address or interface name: "eth9"',
    );
    expect(bindError('bind lo {\n except 010.0.0.1\n}').line).toBe(3);
  });

  it('refuses no addresses, an empty except, unknown options and a bind left with nothing', () => {
    expect(bindError('bind').message).toContain('bind: at least one address or interface name is expected');
    expect(bindError('bind lo {\n except\n}').message).toContain('at least one address or interface must be given to except');
    expect(bindError('bind lo {\n only ::1\n}').message).toContain('bind: invalid option "only"');
    expect(bindError('bind 127.0.0.1 {\n except lo\n}').message).toContain('no address left to listen on');
  });
});

describe('canonicalAddress', () => {
  it('leaves IPv4 and zones alone and shortens IPv6', () => {
    expect(canonicalAddress('10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalAddress('fe80:0::1%eth0')).toBe('fe80::1%eth0');
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe('::1');
  });
});

describe('bind in the server plan', () => {
  const plan = (text: string) => planServer(parseCorefile(text, 'Corefile'), { registry: plugins });

  it('listens on every interface without bind, and only on the bound addresses with it', () => {
    expect(plan('. {\n whoami\n}\n').listeners.map((l) => l.host)).toEqual(['']);
    const bound = plan('.:1053 {\n bind 127.0.0.1\n bind ::1\n whoami\n}\n');
    expect(bound.blocks[0]!.listenHosts).toEqual(['127.0.0.1', '::1']);
    expect(bound.listeners.map((l) => [l.host, l.port])).toEqual([
      ['127.0.0.1', 1053],
      ['::1', 1053],
    ]);
  });

  it('shares a bound address between blocks and refuses one address bound twice for a zone', () => {
    const shared = plan('a.test:1053 {\n bind 127.0.0.1\n whoami\n}\nb.test:1053 {\n bind 127.0.0.1\n whoami\n}\n');
    expect(shared.listeners).toHaveLength(1);
    expect(shared.listeners[0]!.sites.map((s) => s.site.zone)).toEqual(['a.test', 'b.test']);
    expect(() => plan('.:1053 {\n bind 127.0.0.1 127.0.0.1\n whoami\n}\n')).toThrow('it is already defined');
  });

  it('refuses a zone bound to an address on a port another block serves it on every interface', () => {
    expect(() => plan('a.test:1053 {\n whoami\n}\na.test:1053 {\n bind 127.0.0.1\n whoami\n}\n')).toThrow(
      'zone overlap listener capacity',
    );
  });
});
