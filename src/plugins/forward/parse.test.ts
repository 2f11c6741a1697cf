import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../corefile/parse.ts';
import { CorefileError } from '../../corefile/types.ts';
import { DEFAULTS } from './options.ts';
import { parseForward } from './parse.ts';
import { parseUpstreamArgument, readResolvConf } from './upstreams.ts';

function forward(text: string) {
  const directive = parseCorefile(`. {\n forward ${text}\n}\n`, 'Corefile').blocks[0]!.directives[0]!;
  return parseForward(directive);
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
    expect(v4).toEqual({ host: '10.0.0.1', port: 53, family: 4, label: '10.0.0.1:53' });
    expect(v6).toEqual({ host: '::1', port: 5353, family: 6, label: '[::1]:5353' });
  });

  it('reads the nameservers of a resolv.conf, skipping comments, options and names', () => {
    const path = resolvConf(
      'resolv.conf',
      '# generated\nsearch default.svc.cluster.local\nnameserver 192.0.2.53\n; nameserver 192.0.2.99\nnameserver   2001:db8::53\nnameserver dns.example\noptions ndots:5\nnameserver fe80::1%eth0\n',
    );
    expect(readResolvConf(path).map((upstream) => upstream.label)).toEqual(['192.0.2.53:53', '[2001:db8::53]:53', '[fe80::1%eth0]:53']);
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

  it('refuses encrypted transports clearly, and other schemes as CoreDNS words it', () => {
    expect(() => forward('. tls://9.9.9.9')).toThrow('DNS-over-TLS upstreams are not supported by clusterdns (plain dns:// only): tls://9.9.9.9');
    expect(() => forward('. https://9.9.9.9')).toThrow('DNS-over-HTTPS upstreams are not supported');
    expect(() => forward('. grpc://9.9.9.9')).toThrow('DNS-over-gRPC upstreams are not supported');
    expect(() => forward('. unix:///run/dns.sock')).toThrow("'unix' is not supported as a destination protocol in forward");
  });

  it('refuses what is neither an address nor a file, naming the line', () => {
    const error = (() => {
      try {
        forward('. dns.example.invalid');
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(CorefileError);
    expect((error as CorefileError).line).toBe(2);
    expect((error as Error).message).toContain('not an IP address or file "dns.example.invalid"');
    expect(() => forward('. 10.0.0.1:0')).toThrow("invalid port '0'");
    expect(() => forward('. 10.0.0.1:99999')).toThrow("invalid port '99999'");
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
    ['tls cert.pem key.pem', "'tls': TLS upstreams are not supported by clusterdns"],
    ['tls_servername dns.quad9.net', "'tls_servername': TLS upstreams are not supported by clusterdns"],
    ['frobnicate', "unknown property 'frobnicate'"],
  ])('refuses `%s`', (line, message) => {
    expect(() => forward(`. 10.0.0.1 {\n ${line}\n}`)).toThrow(message);
  });
});
