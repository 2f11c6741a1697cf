import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dig } from '../../src/test-support/dig.ts';
import { zoneEchoPlugin } from '../../src/test-support/fixture-plugins.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

describe('chaos: the server tells its version, host name and authors', () => {
  let server: TestServer;
  let without: TestServer;
  beforeAll(async () => {
    // zoneecho (a test fixture) answers whatever reaches the end of the chain with a TXT record.
    const extraPlugins = [zoneEchoPlugin];
    server = await startTestServer('. {\n    chaos clusterdns-test "Ann Author" bob\n    zoneecho\n}\n', { extraPlugins });
    without = await startTestServer('. {\n    zoneecho\n}\n', { extraPlugins });
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), without?.stop()]);
  });

  const ch = (name: string, target = server) => dig(name, { port: target.port, type: 'TXT', class: 'CH' });
  const lines = (result: Awaited<ReturnType<typeof ch>>) => result.answer.map((record) => `${record.name} ${record.ttl} ${record.class} ${record.type} ${record.data}`);

  it('answers CH TXT version.bind and version.server with the version, in the case asked', async () => {
    expect(lines(await ch('version.bind'))).toEqual(['version.bind. 0 CH TXT "clusterdns-test"']);
    expect(lines(await ch('Version.Server'))).toEqual(['Version.Server. 0 CH TXT "clusterdns-test"']);
  });

  it('answers hostname.bind and id.server with the host name, authors.bind with each author', async () => {
    expect((await ch('hostname.bind')).answer.map((record) => record.data)).toEqual([`"${hostname()}"`]);
    expect((await ch('id.server')).answer.map((record) => record.data)).toEqual([`"${hostname()}"`]);
    const authors = await ch('authors.bind');
    expect([authors.status, authors.flags.includes('aa'), authors.answer.map((record) => record.data).sort()]).toEqual(['NOERROR', false, ['"Ann Author"', '"bob"']]);
  });

  it('passes other CH questions on down the chain', async () => {
    const other = await ch('other.bind');
    expect([other.status, other.answer.map((record) => record.data)]).toEqual(['NOERROR', ['"zone="']]);
  });

  it('is what lets CH questions in: a block without it refuses them', async () => {
    expect((await ch('version.bind', without)).status).toBe('REFUSED');
  });
});
