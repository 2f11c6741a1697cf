import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { RCode, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { emptyReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import type { Reply } from '../../dns/types.ts';
import { silentLogger } from '../../log.ts';
import { directive } from '../../test-support/corefile.ts';
import { thrownBy } from '../../test-support/errors.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import type { Handler, SetupContext } from '../../toolkit/types.ts';
import { createHostsHandler, type HostsAnswerOptions } from './handler.ts';
import { canonicalAddress, entryCount, parseHosts as parseHostsText } from './hostsfile.ts';
import { hostsEntries, hostsPlugin } from './index.ts';
import { parseHosts } from './parse.ts';
import { HostsSource } from './source.ts';

const inExampleOrg = (text: string) => directive(text, 'example.org');

function parseError(text: string): string {
  return thrownBy(CorefileError, () => parseHosts(inExampleOrg(text))).message;
}

const PASSED = emptyReply(RCode.REFUSED);
const nextMarker: Handler = () => PASSED;

function sourceOf(inline: string, origins = [''], autoReverse = true): HostsSource {
  return new HostsSource({ path: '/nonexistent/hosts', inline: inline.split('\n'), origins, autoReverse, logger: silentLogger });
}

function answer(source: HostsSource, name: string, type: number, options: Partial<HostsAnswerOptions> = {}) {
  const handler = createHostsHandler(source, { zones: [''], ttl: 3600, fallthrough: null, fallthroughUnsupported: false, ...options })(nextMarker);
  const query = queryFor(name, type);
  const reply = handler(requestFor(query)) as Reply;
  if (reply === PASSED) return 'next';
  return decodeMessage(encodeResponse(query, reply, 65535));
}

describe('hosts parse', () => {
  it('has CoreDNS defaults', () => {
    expect(parseHosts(inExampleOrg('hosts'))).toMatchObject({
      path: '/etc/hosts',
      zones: null,
      inline: [],
      ttl: 3600,
      autoReverse: true,
      reloadMs: 5000,
      fallthrough: null,
      fallthroughUnsupported: false,
    });
  });

  it('reads file, zones, options and inline lines', () => {
    const options = parseHosts(
      inExampleOrg('hosts my.hosts Example.org. 10.0.0.0/8 {\n 10.0.0.1 a.example.org\n ::1 b.example.org c\n ttl 60\n no_reverse\n reload 1m\n fallthrough in-addr.arpa\n fallthrough_unsupported\n}'),
    );
    expect(options).toMatchObject({
      path: 'my.hosts',
      zones: ['example.org', '10.in-addr.arpa'],
      inline: ['10.0.0.1 a.example.org', '::1 b.example.org c'],
      ttl: 60,
      autoReverse: false,
      reloadMs: 60000,
      fallthrough: ['in-addr.arpa'],
      fallthroughUnsupported: true,
    });
  });

  it('refuses what CoreDNS refuses', () => {
    expect(parseError('hosts {\n ttl\n}')).toContain('ttl needs a time in second');
    expect(parseError('hosts {\n ttl abc\n}')).toContain('ttl needs a number of second');
    expect(parseError('hosts {\n ttl 0\n}')).toContain('ttl provided is invalid');
    expect(parseError('hosts {\n ttl 65536\n}')).toContain('ttl provided is invalid');
    expect(parseError('hosts {\n reload\n}')).toContain('reload needs a duration');
    expect(parseError('hosts {\n reload -1s\n}')).toContain('must not be negative');
    expect(parseError('hosts {\n fallthrough_unsupported\n}')).toContain('fallthrough_unsupported requires fallthrough');
    // After fallthrough, an unknown line is no longer hosts data.
    expect(parseError('hosts {\n fallthrough\n 10.0.0.1 a.example.org\n}')).toContain("unknown property '10.0.0.1'");
  });
});

describe('hosts data', () => {
  it('reads addresses and names as Go does, skipping comments, bad addresses and names outside the zones', () => {
    const map = parseHostsText(
      '# comment\n10.0.0.1 A.example.org. alias.example.org # trailing\nnot-an-ip x.example.org\n10.0.0.2\n::ffff:10.0.0.3 mapped.example.org\nfe80::1%eth0 link.example.org\n10.0.0.4 outside.net\n',
      ['example.org'],
      true,
    );
    expect(map.name4.get('a.example.org')).toEqual(['10.0.0.1']);
    expect(map.name4.get('mapped.example.org')).toEqual(['10.0.0.3']);
    expect(map.name6.get('link.example.org')).toEqual(['fe80::1']);
    expect(map.name4.has('outside.net')).toBe(false);
    expect(map.addr.get('10.0.0.1')).toEqual(['a.example.org', 'alias.example.org']);
    expect(entryCount(map)).toBe(8);
  });

  it('canonicalizes addresses so that PTR lookups find them', () => {
    expect(canonicalAddress('2001:DB8:0:0:0:0:0:1')).toEqual({ family: 6, address: '2001:db8::1' });
    expect(canonicalAddress('01.2.3.4')).toBeNull();
  });
});

describe('hosts answers', () => {
  const source = sourceOf('10.0.0.1 www.example.org\n10.0.0.2 www.example.org\n2001:db8::1 www.example.org\n10.0.0.9 v4only.example.org\n192.168.1.10 *.wild.org\n192.168.1.11 a.wild.org');

  it('answers A and AAAA authoritatively with the configured TTL', () => {
    const a = answer(source, 'WWW.example.org', RRType.A);
    expect(a).toMatchObject({ rcode: RCode.NOERROR, authoritative: true });
    expect(a !== 'next' && a.answer.map((r) => [r.name, 'ttl' in r ? r.ttl : -1, 'address' in r ? r.address : ''])).toEqual([
      ['www.example.org', 3600, '10.0.0.1'],
      ['www.example.org', 3600, '10.0.0.2'],
    ]);
    const aaaa = answer(source, 'www.example.org', RRType.AAAA);
    expect(aaaa !== 'next' && aaaa.answer).toMatchObject([{ type: RRType.AAAA, address: '2001:db8::1' }]);
  });

  it('answers PTR for every name of an address, and passes on addresses it does not know', () => {
    const ptr = answer(source, '1.0.0.10.in-addr.arpa', RRType.PTR);
    expect(ptr !== 'next' && ptr.answer).toMatchObject([{ type: RRType.PTR, target: 'www.example.org' }]);
    const v6 = answer(source, '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', RRType.PTR);
    expect(v6 !== 'next' && v6.answer).toMatchObject([{ target: 'www.example.org' }]);
    expect(answer(source, '8.0.0.10.in-addr.arpa', RRType.PTR)).toBe('next');
    expect(answer(sourceOf('10.0.0.1 www.example.org', [''], false), '1.0.0.10.in-addr.arpa', RRType.PTR)).toBe('next');
  });

  it('gives NODATA for a name with only the other family, or another type, and SERVFAIL for an unknown name', () => {
    const nodata = answer(source, 'v4only.example.org', RRType.AAAA);
    expect(nodata).toMatchObject({ rcode: RCode.NOERROR, authoritative: true, answer: [], authority: [] });
    expect(answer(source, 'www.example.org', RRType.MX)).toMatchObject({ rcode: RCode.NOERROR, answer: [] });
    expect(answer(source, 'nothere.example.org', RRType.A)).toMatchObject({ rcode: RCode.SERVFAIL });
  });

  it('falls through on a miss only in the fallthrough zones, and for other types only with fallthrough_unsupported', () => {
    expect(answer(source, 'nothere.example.org', RRType.A, { fallthrough: [''] })).toBe('next');
    expect(answer(source, 'nothere.example.org', RRType.A, { fallthrough: ['other.org'] })).toMatchObject({ rcode: RCode.SERVFAIL });
    expect(answer(source, 'www.example.org', RRType.TXT, { fallthrough: [''] })).toMatchObject({ rcode: RCode.NOERROR });
    expect(answer(source, 'www.example.org', RRType.TXT, { fallthrough: [''], fallthroughUnsupported: true })).toBe('next');
  });

  it('passes on names outside its zones', () => {
    expect(answer(source, 'www.example.org', RRType.A, { zones: ['example.net'] })).toBe('next');
  });

  it('matches one label under a wildcard, explicit names first, never the apex or deeper names', () => {
    const addressOf = (name: string) => {
      const result = answer(source, name, RRType.A);
      return result === 'next' ? 'next' : result.rcode === RCode.NOERROR ? result.answer.map((r) => ('address' in r ? r.address : '')) : result.rcode;
    };
    expect(addressOf('apps.wild.org')).toEqual(['192.168.1.10']);
    expect(addressOf('a.wild.org')).toEqual(['192.168.1.11']);
    expect(addressOf('wild.org')).toBe(RCode.SERVFAIL);
    expect(addressOf('deep.apps.wild.org')).toBe(RCode.SERVFAIL);
  });
});

describe('hosts file reload', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-hosts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file again when its mtime or size changes, keeps inline data, and keeps the last data when the file goes', async () => {
    const path = join(dir, 'hosts');
    writeFileSync(path, '10.0.0.1 file.example.org\n');
    const source = new HostsSource({ path, inline: ['10.0.0.5 inline.example.org'], origins: [''], autoReverse: true, logger: silentLogger });
    await source.read();
    const addressOf = (name: string) => {
      const result = answer(source, name, RRType.A);
      return result === 'next' || result.rcode !== RCode.NOERROR ? null : result.answer.map((r) => ('address' in r ? r.address : ''));
    };
    expect(addressOf('file.example.org')).toEqual(['10.0.0.1']);
    expect(addressOf('inline.example.org')).toEqual(['10.0.0.5']);
    expect(hostsEntries.cell(path).value).toBe(4);

    writeFileSync(path, '10.0.0.2 file.example.org\n');
    utimesSync(path, new Date(), new Date(Date.now() + 10_000));
    await source.read();
    expect(addressOf('file.example.org')).toEqual(['10.0.0.2']);

    rmSync(path);
    await source.read();
    expect(addressOf('file.example.org')).toEqual(['10.0.0.2']);
  });

  it('reads the file when the plugin starts, warning about a missing file but not failing', async () => {
    const path = join(dir, 'later');
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) } as unknown as SetupContext['logger'];
    const context = setupContext({ zones: ['example.org'], logger });
    const instance = await hostsPlugin.setup(parseHosts(inExampleOrg(`hosts ${path} {\n reload 0\n}`)), context);
    expect(warnings).toEqual([`File does not exist: ${path}`]);
    writeFileSync(path, '10.0.0.7 late.example.org\n');
    await instance.start!();
    const query = queryFor('late.example.org', RRType.A);
    const reply = instance.handler!(nextMarker)(requestFor(query)) as Reply;
    expect(decodeMessage(encodeResponse(query, reply, 512)).answer).toMatchObject([{ address: '10.0.0.7' }]);
  });
});
