import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

/** Reload checks run every 100 ms here; a change must show within this many polls. */
const MAX_POLLS = 50;

describe('hosts behind the real server', () => {
  let dir: string;
  let hostsFile: string;
  let server: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-hosts-'));
    hostsFile = join(dir, 'hosts');
    writeFileSync(hostsFile, '# test hosts\n10.0.0.1 db.example.org db\n2001:db8::1 db.example.org\n10.0.0.2 v4only.example.org\n');
    server = await startTestServer(
      `example.org in-addr.arpa ip6.arpa {\n hosts ${hostsFile} {\n  10.0.0.9 inline.example.org\n  ttl 60\n  reload 100ms\n }\n}\n`,
    );
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const answers = async (name: string, type = 'A') => (await dig(name, { port: server.port, type })).answer.map((r) => `${r.name} ${r.ttl} ${r.type} ${r.data}`);

  it('answers A and AAAA from the file and the inline lines, authoritatively, with the configured TTL', async () => {
    const result = await dig('db.example.org', { port: server.port });
    expect(result.flags).toContain('aa');
    expect(result.answer.map((r) => `${r.name} ${r.ttl} ${r.type} ${r.data}`)).toEqual(['db.example.org. 60 A 10.0.0.1']);
    expect(await answers('db.example.org', 'AAAA')).toEqual(['db.example.org. 60 AAAA 2001:db8::1']);
    expect(await answers('inline.example.org')).toEqual(['inline.example.org. 60 A 10.0.0.9']);
  });

  it('answers PTR for addresses of names in its zones', async () => {
    expect(await answers('1.0.0.10.in-addr.arpa', 'PTR')).toEqual(['1.0.0.10.in-addr.arpa. 60 PTR db.example.org.']);
    const v6 = await dig('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', { port: server.port, type: 'PTR' });
    expect(v6.answer.map((r) => r.data)).toEqual(['db.example.org.']);
  });

  it('gives NODATA for a name of the other family, SERVFAIL for a name it does not have', async () => {
    const nodata = await dig('v4only.example.org', { port: server.port, type: 'AAAA' });
    expect([nodata.status, nodata.answer.length, nodata.authority.length]).toEqual(['NOERROR', 0, 0]);
    expect((await dig('missing.example.org', { port: server.port })).status).toBe('SERVFAIL');
  });

  it('serves an edited file within the reload interval, and keeps serving it when the file is removed', async () => {
    writeFileSync(hostsFile, '10.0.0.3 db.example.org\n10.0.0.4 new.example.org\n');
    utimesSync(hostsFile, new Date(), new Date(Date.now() + 60_000));
    let seen: string[] = [];
    for (let poll = 0; poll < MAX_POLLS; poll++) {
      seen = await answers('new.example.org');
      if (seen.length > 0) break;
      await sleep(100);
    }
    expect(seen).toEqual(['new.example.org. 60 A 10.0.0.4']);
    expect(await answers('db.example.org')).toEqual(['db.example.org. 60 A 10.0.0.3']);
    rmSync(hostsFile);
    await sleep(300);
    expect(await answers('new.example.org')).toEqual(['new.example.org. 60 A 10.0.0.4']);
  });
});
