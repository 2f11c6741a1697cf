import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCorefile } from '../../src/corefile/parse.ts';
import { decodeMessage } from '../../src/dns/message.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { silentLogger } from '../../src/log.ts';
import { renderMetrics } from '../../src/metrics/registry.ts';
import { parseDigOutput, type DigResult } from '../../src/test-support/dig.ts';
import { createTestPki, sharedTestPki, type TestPki } from '../../src/test-support/pki.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const run = promisify(execFile);

/** dig once against 127.0.0.1:port with the given transport options, parsed. */
async function ask(port: number, name: string, options: readonly string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), name, 'A', '+time=5', '+tries=1', ...options], { timeout: 15_000 });
  return parseDigOutput(stdout);
}

/** Knot's kdig once, trusting the test CA: the addresses it printed. */
async function kdig(port: number, name: string, transport: '+tls' | '+https', pki: TestPki): Promise<string[]> {
  const args = ['@127.0.0.1', '-p', String(port), name, 'A', '+short', '+time=5', '+retry=0', transport, `+tls-ca=${pki.caPath}`, '+tls-hostname=localhost'];
  const { stdout } = await run('kdig', args, { timeout: 15_000 });
  return stdout.trim().split('\n');
}

function portOf(server: TestServer, scheme: 'tls' | 'https'): number {
  return server.server.listeners.find((listener) => listener.scheme === scheme)!.port;
}

/** whoami's records: the client's address and, over a stream, its port under `_tcp`. */
function whoami(result: DigResult): string[] {
  return result.additional.map((record) => `${record.name} ${record.type}`);
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One HTTP/1.1 request over TLS, trusting the test CA. */
function request(port: number, path: string, pki: TestPki, init: { method?: string; body?: Buffer } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = https.request(
      { host: '127.0.0.1', port, path, method: init.method ?? 'GET', ca: pki.caPem, servername: 'localhost', headers: { 'content-type': 'application/dns-message' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(init.body);
  });
}

describe('DNS over TLS and over HTTPS', () => {
  let pki: TestPki;
  let server: TestServer;
  let mutual: TestServer;
  let plain: TestServer;
  let web: http.Server;

  beforeAll(async () => {
    pki = await sharedTestPki();
    server = await startTestServer(
      `tls://.:0 https://.:0 {\n    tls ${pki.serverCertPath} ${pki.serverKeyPath}\n    hosts {\n        127.0.0.1 web.example.test\n        fallthrough\n    }\n    log\n    whoami\n}\n`,
    );
    mutual = await startTestServer(
      `tls://.:0 {\n    tls ${pki.serverCertPath} ${pki.serverKeyPath} ${pki.caPath} {\n        client_auth require_and_verify\n    }\n    whoami\n}\n`,
    );
    plain = await startTestServer(`tls://.:0 {\n    whoami\n}\n`);
    web = http.createServer((_request, response) => response.end('served by name'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), mutual?.stop(), plain?.stop()]);
    web?.close();
  });

  it('answers dig and kdig over TLS, the certificate checked against the CA, logged as tcp', async () => {
    const port = portOf(server, 'tls');
    const verify = [`+tls-ca=${pki.caPath}`, '+tls-hostname=localhost'];
    const fromDig = await ask(port, 'example.org', ['+tls', ...verify]);
    expect([fromDig.status, whoami(fromDig)]).toEqual(['NOERROR', ['example.org. A', '_tcp.example.org. SRV']]);
    expect(await kdig(port, 'web.example.test', '+tls', pki)).toEqual(['127.0.0.1']);
    expect(server.lines.some((line) => line.includes('"A IN example.org. tcp '))).toBe(true);
  });

  it('answers DoH POST (dig, kdig) and GET (dig +https-get, curl), over HTTP/2', async () => {
    const port = portOf(server, 'https');
    const post = await ask(port, 'web.example.test', ['+https']);
    const get = await ask(port, 'web.example.test', ['+https-get']);
    for (const result of [post, get]) expect(result.answer.map((record) => record.data)).toEqual(['127.0.0.1']);
    expect(await kdig(port, 'web.example.test', '+https', pki)).toEqual(['127.0.0.1']);
    const query = encodeQuery('web.example.test', 1).toString('base64url');
    const { stdout } = await run('curl', ['-s', '--http2', '--cacert', pki.caPath, '-D', '-', '-o', '/dev/null', `https://localhost:${port}/dns-query?dns=${query}`], { timeout: 15_000 });
    expect(stdout).toMatch(/^HTTP\/2 200/);
    expect(stdout).toMatch(/content-type: application\/dns-message/);
    expect(stdout).toMatch(/cache-control: max-age=3600/);
  });

  it('resolves the name of a URL for curl --doh-url', async () => {
    const webPort = (web.address() as AddressInfo).port;
    const doh = `https://localhost:${portOf(server, 'https')}/dns-query`;
    const { stdout } = await run('curl', ['-s', '--cacert', pki.caPath, '--doh-url', doh, `http://web.example.test:${webPort}/`], {
      timeout: 15_000,
      env: { ...process.env, CURL_CA_BUNDLE: pki.caPath },
    });
    expect(stdout).toBe('served by name');
  });

  it('answers HTTP/1.1 POST; other paths are 404, bad queries 400, each counted by status', async () => {
    const port = portOf(server, 'https');
    const answer = await request(port, '/dns-query', pki, { method: 'POST', body: encodeQuery('web.example.test', 1) });
    expect([answer.status, answer.headers['content-type']]).toEqual([200, 'application/dns-message']);
    expect(decodeMessage(answer.body).answer.map((record) => record.type)).toEqual([1]);
    expect((await request(port, '/resolve?dns=AAAA', pki)).status).toBe(404);
    expect((await request(port, '/dns-query', pki)).status).toBe(400);
    expect((await request(port, '/dns-query?dns=not*base64', pki)).status).toBe(400);
    expect((await request(port, '/dns-query', pki, { method: 'PUT', body: Buffer.alloc(12) })).status).toBe(400);
    const metrics = await renderMetrics(silentLogger);
    const count = (status: number) => Number(new RegExp(`coredns_https_responses_total\\{server="https://:${port}",status="${status}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect([count(200) >= 1, count(404), count(400)]).toEqual([true, 1, 3]);
  });

  it('with client_auth require_and_verify, answers a client with a certificate of the CA and turns away one without', async () => {
    const port = portOf(mutual, 'tls');
    const verify = [`+tls-ca=${pki.caPath}`, '+tls-hostname=localhost'];
    const withCertificate = await ask(port, 'example.org', ['+tls', ...verify, `+tls-certfile=${pki.clientCertPath}`, `+tls-keyfile=${pki.clientKeyPath}`]);
    expect(withCertificate.status).toBe('NOERROR');
    const without = await run('dig', ['@127.0.0.1', '-p', String(port), 'example.org', '+tls', ...verify, '+time=5', '+tries=1'], { timeout: 15_000 }).catch(
      (error: { stdout: string }) => error,
    );
    expect(without.stdout).not.toMatch(/status: NOERROR/);
  });

  it('serves a tls:// block without a certificate as plain DNS over TCP, as CoreDNS does', async () => {
    const result = await ask(portOf(plain, 'tls'), 'example.org', ['+tcp']);
    expect(whoami(result)).toEqual(['example.org. A', '_tcp.example.org. SRV']);
  });

  it('takes up a renewed certificate on reload, on the same socket, and keeps the old one on a failed reload', async () => {
    const renewed = await createTestPki();
    const corefile = (certificate: TestPki) => `tls://.:0 {\n    tls ${certificate.serverCertPath} ${certificate.serverKeyPath}\n    whoami\n}\n`;
    const reloaded = await startTestServer(corefile(pki));
    try {
      const port = portOf(reloaded, 'tls');
      const trusting = (certificate: TestPki) => ask(port, 'example.org', ['+tls', `+tls-ca=${certificate.caPath}`, '+tls-hostname=localhost']).then((result) => result.status, () => 'refused');
      expect([await trusting(pki), await trusting(renewed)]).toEqual(['NOERROR', 'refused']);
      await reloaded.server.reload(parseCorefile(corefile(renewed), 'Corefile'));
      expect(portOf(reloaded, 'tls')).toBe(port);
      expect([await trusting(pki), await trusting(renewed)]).toEqual(['refused', 'NOERROR']);
      await expect(reloaded.server.reload(parseCorefile('tls://.:0 {\n    tls /nonexistent.pem /nonexistent.key\n    whoami\n}\n', 'Corefile'))).rejects.toThrow(/could not load TLS cert/);
      expect(await trusting(renewed)).toBe('NOERROR');
    } finally {
      await reloaded.stop();
      rmSync(renewed.dir, { recursive: true, force: true });
    }
  });

  it('refuses a Corefile whose certificate cannot be read, naming the line', async () => {
    await expect(startTestServer(`tls://.:0 {\n    whoami\n    tls /nonexistent/cert.pem /nonexistent/key.pem\n}\n`)).rejects.toThrow(
      /Corefile:3 - Error during parsing: tls: could not load TLS cert: open \/nonexistent\/cert\.pem: no such file or directory/,
    );
  });
});
