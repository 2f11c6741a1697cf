import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { CorefileError } from '../../corefile/types.ts';
import { sharedTestPki, type TestPki } from '../../test-support/pki.ts';
import { DEFAULTS } from './options.ts';
import { parseForward } from './parse.ts';
import { parseUpstreamArgument, readResolvConf } from './upstreams.ts';

function forward(text: string) {
  const directive = parseCorefile(`. {\n forward ${text}\n}\n`, 'Corefile').blocks[0]!.directives[0]!;
  return parseForward(directive);
}

/** The CorefileError `run` throws (the test fails when it throws none or another). */
function corefileError(run: () => unknown): CorefileError {
  try {
    run();
  } catch (error) {
    if (error instanceof CorefileError) return error;
    throw error;
  }
  throw new Error('no CorefileError thrown');
}

function labels(text: string): string[] {
  return forward(text).upstreams.map((upstream) => upstream.label);
}

const dir = mkdtempSync(join(tmpdir(), 'forward-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function resolvConf(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('TO addresses', () => {
  it('reads ip, ip:port, dns://, bracketed and bare IPv6, with port 53 by default', () => {
    expect(labels('. 10.0.0.1 10.0.0.2:1053 dns://10.0.0.3 dns://10.0.0.4:5300 [2001:db8::1]:53 2001:db8::2 [2001:db8::3] dns://[::1]:5353')).toEqual([
      '10.0.0.1:53',
      '10.0.0.2:1053',
      '10.0.0.3:53',
      '10.0.0.4:5300',
      '[2001:db8::1]:53',
      '[2001:db8::2]:53',
      '[2001:db8::3]:53',
      '[::1]:5353',
    ]);
    const [v4, v6] = forward('. 10.0.0.1 [::1]:5353').upstreams;
    expect(v4).toEqual({ host: '10.0.0.1', port: 53, family: 4, scheme: 'dns', serverName: null, label: '10.0.0.1:53' });
    expect(v6).toEqual({ host: '::1', port: 5353, family: 6, scheme: 'dns', serverName: null, label: '[::1]:5353' });
  });

  it('reads the nameservers of a resolv.conf, skipping comments, options and names', () => {
    const path = resolvConf(
      'resolv.conf',
      '# generated\nsearch default.svc.cluster.local\nnameserver 192.0.2.53\n; nameserver 192.0.2.99\nnameserver   2001:db8::53\nnameserver dns.example\noptions ndots:5\nnameserver fe80::1%eth0\n',
    );
    expect(readResolvConf(path)!.map((upstream) => upstream.label)).toEqual(['192.0.2.53:53', '[2001:db8::53]:53', '[fe80::1%eth0]:53']);
    expect(labels(`. ${path} 192.0.2.1`)).toEqual(['192.0.2.53:53', '[2001:db8::53]:53', '[fe80::1%eth0]:53', '192.0.2.1:53']);
  });

  it('keeps the first of duplicate addresses, as CoreDNS deduplicates', () => {
    const path = resolvConf('dup.conf', 'nameserver 192.0.2.1\n');
    expect(labels(`. 192.0.2.1 dns://192.0.2.1:53 ${path} 192.0.2.2`)).toEqual(['192.0.2.1:53', '192.0.2.2:53']);
  });

  it('skips a resolv.conf without nameservers, and fails when nothing is left', () => {
    const empty = resolvConf('empty.conf', '# nothing\n');
    expect(labels(`. ${empty} 192.0.2.7`)).toEqual(['192.0.2.7:53']);
    expect(() => forward(`. ${empty}`)).toThrow('no valid upstream addresses found');
  });

  it('reads https:// upstreams on port 443, refuses a path, and refuses other schemes as CoreDNS words it', () => {
    expect(forward('. https://9.9.9.9 https://[2001:db8::9%dns.example]:8443').upstreams.map(({ scheme, label, serverName }) => [scheme, label, serverName])).toEqual([
      ['https', '9.9.9.9:443', null],
      ['https', '[2001:db8::9]:8443', null],
    ]);
    expect(() => forward('. https://9.9.9.9/resolve')).toThrow('paths are not allowed in HTTPS upstream addresses (the /dns-query path is used by default): https://9.9.9.9/resolve');
    expect(() => forward('. quic://9.9.9.9')).toThrow("'quic' is not supported as a destination protocol in forward: quic://9.9.9.9");
    expect(() => forward('. grpc://9.9.9.9')).toThrow("'grpc' is not supported as a destination protocol in forward");
    expect(() => forward('. unix:///run/dns.sock')).toThrow("'unix' is not supported as a destination protocol in forward");
  });

  it('keeps host names for setup to resolve, in order with the addresses, as CoreDNS 1.14', () => {
    const options = forward('. dns.example.com 10.0.0.1 dns.example.com:5353 tls://dot.example.com%sni.example.net:8853 tls://dot.example.com');
    expect(options.to.map(({ entry }) => (entry.kind === 'host' ? entry.host : entry.addresses.map((address) => address.label)))).toEqual([
      { hostname: 'dns.example.com', port: 53, scheme: 'dns', serverName: null },
      ['10.0.0.1:53'],
      { hostname: 'dns.example.com', port: 5353, scheme: 'dns', serverName: null },
      { hostname: 'dot.example.com', port: 8853, scheme: 'tls', serverName: 'sni.example.net' },
      { hostname: 'dot.example.com', port: 853, scheme: 'tls', serverName: null },
    ]);
    // Until setup resolves the names, only the addresses are upstreams.
    expect(options.upstreams.map((upstream) => upstream.label)).toEqual(['10.0.0.1:53']);
    // A path that is no file is a name to CoreDNS too; resolving it fails at setup.
    expect(forward('. /etc/no-such-resolv.conf').to[0]!.entry).toEqual({
      kind: 'host',
      host: { hostname: '/etc/no-such-resolv.conf', port: 53, scheme: 'dns', serverName: null },
    });
  });

  it('refuses what is neither an address, a file nor a domain name, naming the line', () => {
    const error = corefileError(() => forward('. 10.0.0.1 dns..example'));
    expect(error.line).toBe(2);
    expect(error.message).toBe('Corefile:2 - Error during parsing: forward: not an IP address, file, or valid domain: "dns..example"');
    expect(() => forward(`. ${'a'.repeat(64)}.example`)).toThrow('not an IP address, file, or valid domain');
    expect(() => forward('. 10.0.0.1:0')).toThrow("invalid port '0'");
    expect(() => forward('. 10.0.0.1:99999')).toThrow("invalid port '99999'");
    expect(() => forward('. dns.example.com:x')).toThrow("invalid port 'x' in 'dns.example.com:x'");
    expect(() => parseUpstreamArgument('dns://')).toThrow('invalid address');
  });

  it('allows 15 TOs and refuses 16, as CoreDNS', () => {
    const addresses = (n: number) => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`).join(' ');
    expect(labels(`. ${addresses(15)}`)).toHaveLength(15);
    expect(() => forward(`. ${addresses(16)}`)).toThrow('more than 15 TOs configured: 16');
  });

  it('needs FROM and at least one TO', () => {
    expect(() => forward('.')).toThrow('expected at least 2 arguments, got 1');
  });
});

describe('FROM and the block', () => {
  it('applies CoreDNS defaults', () => {
    const options = forward('example.ORG. 10.0.0.1');
    expect(options).toMatchObject({
      from: 'example.org',
      except: [],
      forceTcp: false,
      preferUdp: false,
      expireMs: DEFAULTS.expireMs,
      maxAgeMs: 0,
      maxIdleConns: 0,
      readTimeoutMs: 2000,
      maxFails: 2,
      maxConnectAttempts: null,
      healthCheck: { intervalMs: 500, recursionDesired: true, domain: '' },
      policy: 'random',
      maxConcurrent: 0,
      next: [],
      nextOnNodata: false,
      failover: [],
      failfastAllUnhealthyUpstreams: false,
    });
    expect(forward('. 10.0.0.1').from).toBe('');
  });

  it('reads every option', () => {
    const options = forward(`. 10.0.0.1 {
      except example.org Sub.Example.COM.
      force_tcp
      prefer_udp
      expire 20s
      max_age 1m
      max_idle_conns 5
      read_timeout 750ms
      max_fails 3
      max_connect_attempts 4
      health_check 2s no_rec domain health.example.org.
      policy sequential
      max_concurrent 1000
      next NXDOMAIN servfail
      next_on_nodata
      failover SERVFAIL REFUSED
      failfast_all_unhealthy_upstreams
    }`);
    expect(options).toMatchObject({
      except: ['example.org', 'sub.example.com'],
      forceTcp: true,
      preferUdp: true,
      expireMs: 20_000,
      maxAgeMs: 60_000,
      maxIdleConns: 5,
      readTimeoutMs: 750,
      maxFails: 3,
      maxConnectAttempts: 4,
      healthCheck: { intervalMs: 2000, recursionDesired: false, domain: 'health.example.org' },
      policy: 'sequential',
      maxConcurrent: 1000,
      next: [3, 2],
      nextOnNodata: true,
      failover: [2, 5],
      failfastAllUnhealthyUpstreams: true,
    });
  });

  it('reads the block of the kubeadm default Corefile', () => {
    const path = resolvConf('kubeadm.conf', 'nameserver 192.0.2.10\n');
    expect(forward(`. ${path} {\n max_concurrent 1000\n }`)).toMatchObject({ maxConcurrent: 1000, upstreams: [{ label: '192.0.2.10:53' }] });
  });

  it('keeps the first zone of a CIDR FROM off an octet boundary, as CoreDNS', () => {
    expect(forward('10.0.0.0/23 10.0.0.1').from).toBe('0.0.10.in-addr.arpa');
  });

  it.each([
    ['policy fastest', "unknown policy 'fastest'"],
    ['next NOPE', 'NOPE is not a valid rcode'],
    ['failover NOERROR', 'NoError cannot be used in failover'],
    ['max_concurrent -1', "max_concurrent can't be negative: -1"],
    ['max_fails x', "'x' is not an integer"],
    ['expire -1s', "duration '-1s' must not be negative"],
    ['read_timeout 0s', 'read_timeout must be positive: 0s'],
    ['max_age 5s', 'max_age (5s) must not be less than expire (10s)'],
    ['health_check 1s sometimes', 'health_check: unknown option sometimes'],
    ['health_check 1s domain', 'health_check: domain needs a name'],
    ['force_tcp yes', 'expected no arguments, got 1'],
    ['except', 'expected at least 1 argument, got 0'],
    ['tls a b c d', 'expected at most 3 arguments, got 4'],
    ['tls_servername', 'expected 1 argument, got 0'],
    ['resolver', 'expected at least 1 argument, got 0'],
    ['resolver dns.example.com', 'resolver must be an IP address or IP:port: "dns.example.com"'],
    ['resolver 10.0.0.1:domain', 'resolver must be an IP address or IP:port: "10.0.0.1:domain"'],
    ['doh_method PUT', 'doh_method must be either POST or GET'],
    ['source_address 127.0.0.1', "'source_address': source_address is not supported by clusterdns"],
    ['frobnicate', "unknown property 'frobnicate'"],
  ])('refuses `%s`, naming its line', (line, message) => {
    const error = corefileError(() => forward(`. 10.0.0.1 {\n ${line}\n}`));
    expect(error.message).toContain(message);
    expect(error.line).toBe(3);
  });

  it('reads the resolver addresses for host names, port 53 unless given', () => {
    expect(forward('. 10.0.0.1').resolver).toEqual([]);
    expect(forward('. dns.example.com {\n resolver 10.96.0.10 10.96.0.11:5353 ::1 [2001:db8::53]:1053\n}').resolver.map((address) => address.label)).toEqual([
      '10.96.0.10:53',
      '10.96.0.11:5353',
      '[::1]:53',
      '[2001:db8::53]:1053',
    ]);
  });
});

describe('DNS-over-TLS', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await sharedTestPki();
  });

  function tlsUpstreams(text: string) {
    return forward(text).upstreams.map(({ label, scheme, serverName }) => ({ label, scheme, serverName }));
  }

  it('reads tls:// upstreams, port 853 by default, `%NAME` naming the server, beside plain ones', () => {
    expect(tlsUpstreams('. tls://9.9.9.9 tls://149.112.112.112:8853 tls://127.0.0.1%example.net tls://127.0.0.2%example.net:854 10.0.0.1')).toEqual([
      { label: '9.9.9.9:853', scheme: 'tls', serverName: null },
      { label: '149.112.112.112:8853', scheme: 'tls', serverName: null },
      { label: '127.0.0.1:853', scheme: 'tls', serverName: 'example.net' },
      { label: '127.0.0.2:854', scheme: 'tls', serverName: 'example.net' },
      { label: '10.0.0.1:53', scheme: 'dns', serverName: null },
    ]);
    expect(tlsUpstreams('. tls://[2400:3200::1%dns.alidns.com]:853 tls://fe80::1%example.com tls://[2001:db8::1]')).toEqual([
      { label: '[2400:3200::1]:853', scheme: 'tls', serverName: 'dns.alidns.com' },
      { label: '[fe80::1]:853', scheme: 'tls', serverName: 'example.com' },
      { label: '[2001:db8::1]:853', scheme: 'tls', serverName: null },
    ]);
  });

  it('keeps the first of a plain and a TLS upstream at the same ip:port, as CoreDNS', () => {
    expect(tlsUpstreams('. 127.0.0.1:853 tls://127.0.0.1')).toEqual([{ label: '127.0.0.1:853', scheme: 'dns', serverName: null }]);
  });

  it('reads a resolv.conf behind tls:// as plain DNS on port 53, as CoreDNS does', () => {
    const path = resolvConf('tls.conf', 'nameserver 192.0.2.53\n');
    expect(tlsUpstreams(`. tls://${path}`)).toEqual([{ label: '192.0.2.53:53', scheme: 'dns', serverName: null }]);
  });

  it('reads tls_servername, and refuses it beside a `%NAME` upstream, naming the upstream\'s line', () => {
    expect(forward('. tls://9.9.9.9 {\n tls_servername dns.quad9.net\n}').tlsServerName).toBe('dns.quad9.net');
    expect(forward('. tls://9.9.9.9').tlsServerName).toBeNull();
    const error = corefileError(() => forward('. 10.0.0.1 tls://127.0.0.1%example.net {\n tls_servername foo\n}'));
    expect(error.line).toBe(2);
    expect(error.message).toContain("both forward ('foo') and proxy level ('example.net') TLS servernames are set for upstream proxy 'tls://127.0.0.1:853'");
    expect(() => forward('. tls://dot.example.com%example.net:8853 {\n tls_servername foo\n}')).toThrow("upstream proxy 'tls://dot.example.com:8853'");
  });

  it('reads `tls` with no files, a CA, a certificate and key, or all three', () => {
    expect(forward('. tls://127.0.0.1 {\n tls\n}').tls).toEqual({ minVersion: 'TLSv1.2' });
    expect(forward('. tls://127.0.0.1').tls).toEqual({ minVersion: 'TLSv1.2' });
    const ca = forward(`. tls://127.0.0.1 {\n tls ${pki.caPath}\n}`).tls;
    expect(ca.ca?.toString()).toBe(pki.caPem);
    expect(ca.cert).toBeUndefined();
    const client = forward(`. tls://127.0.0.1 {\n tls ${pki.clientCertPath} ${pki.clientKeyPath}\n}`).tls;
    expect(client.cert).toBeDefined();
    expect(client.ca).toBeUndefined();
    const all = forward(`. tls://127.0.0.1 {\n tls ${pki.clientCertPath} ${pki.clientKeyPath} ${pki.caPath}\n}`).tls;
    expect([all.cert !== undefined, all.key !== undefined, all.ca?.toString()]).toEqual([true, true, pki.caPem]);
  });

  it('refuses TLS files that cannot be used at the `tls` line, in CoreDNS\'s words', () => {
    const missing = join(dir, 'missing.pem');
    const error = corefileError(() => forward(`. tls://127.0.0.1 {\n force_tcp\n tls ${missing} ${pki.clientKeyPath}\n}`));
    expect(error.line).toBe(4);
    expect(error.message).toBe(`Corefile:4 - Error during parsing: forward: could not load TLS cert: open ${missing}: no such file or directory`);
    const notPem = resolvConf('not.pem', 'nameserver 192.0.2.1\n');
    expect(() => forward(`. tls://127.0.0.1 {\n tls ${notPem}\n}`)).toThrow('could not read root certs: no PEM certificate found');
    expect(() => forward(`. tls://127.0.0.1 {\n tls ${pki.clientKeyPath} ${pki.clientCertPath}\n}`)).toThrow('could not load TLS cert');
  });
});
