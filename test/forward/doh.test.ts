import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { decodeMessage } from '../../src/dns/message.ts';
import { dig } from '../../src/test-support/dig.ts';
import { sharedTestPki, type TestPki } from '../../src/test-support/pki.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { aRecord, respond, type ReceivedQuery } from '../../src/test-support/upstream.ts';

/*
 * forward to a DNS-over-HTTPS upstream started here: an HTTP/2 server on 127.0.0.1 with the test
 * PKI's certificate, answering POST and GET on /dns-query with A 192.0.2.54 for every A question.
 */

interface DohRequest {
  readonly method: string;
  readonly path: string;
  readonly id: number;
  readonly query: ReceivedQuery;
}

interface DohUpstream {
  readonly port: number;
  readonly requests: readonly DohRequest[];
  /** HTTP/2 connections accepted. */
  readonly sessions: number;
  close(): Promise<void>;
}

async function startDohUpstream(pki: TestPki): Promise<DohUpstream> {
  const requests: DohRequest[] = [];
  let sessions = 0;
  const server = http2.createSecureServer({ cert: pki.serverCertPem, key: pki.serverKeyPem });
  server.on('session', () => void sessions++);
  server.on('stream', (stream, headers) => {
    const method = String(headers[':method']);
    const path = String(headers[':path']);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const url = new URL(path, 'https://upstream.invalid');
      const raw = method === 'GET' ? Buffer.from(url.searchParams.get('dns') ?? '', 'base64url') : Buffer.concat(chunks);
      if (url.pathname !== '/dns-query' || raw.length < 12) {
        stream.respond({ ':status': 404 });
        stream.end();
        return;
      }
      const message = decodeMessage(raw);
      const question = message.questions[0]!;
      const query: ReceivedQuery = { transport: 'tcp', raw, message, name: question.name, type: question.type };
      requests.push({ method, path: url.pathname, id: message.id, query });
      const answers = question.type === RRType.A ? [aRecord(question.name, '192.0.2.54')] : [];
      stream.respond({ ':status': 200, 'content-type': 'application/dns-message' });
      stream.end(respond(query, { answers }).bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    get sessions() {
      return sessions;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('forward to DNS over HTTPS', () => {
  let pki: TestPki;
  let upstream: DohUpstream;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    pki = await sharedTestPki();
    upstream = await startDohUpstream(pki);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await upstream?.close();
  });

  async function forwarder(options: string): Promise<TestServer> {
    const server = await startTestServer(`. {\n    forward . https://127.0.0.1:${upstream.port} {\n${options}    }\n}\n`);
    servers.push(server);
    return server;
  }

  it('posts each query with ID 0 on one kept HTTP/2 connection and relays the answer under the client\'s ID', async () => {
    const server = await forwarder(`        tls ${pki.caPath}\n        tls_servername localhost\n`);
    const before = { requests: upstream.requests.length, sessions: upstream.sessions };
    for (const name of ['a.example.org', 'b.example.org', 'c.example.org']) {
      const result = await dig(name, { port: server.port });
      expect([result.status, result.answer.map((record) => record.data)]).toEqual(['NOERROR', ['192.0.2.54']]);
    }
    const sent = upstream.requests.slice(before.requests);
    expect(sent.map(({ method, path, id }) => [method, path, id])).toEqual(Array(3).fill(['POST', '/dns-query', 0]));
    expect(upstream.sessions - before.sessions).toBe(1);
  });

  it('sends GET with doh_method GET', async () => {
    const server = await forwarder(`        tls ${pki.caPath}\n        tls_servername localhost\n        doh_method GET\n`);
    const before = upstream.requests.length;
    expect((await dig('get.example.org', { port: server.port })).answer.map((record) => record.data)).toEqual(['192.0.2.54']);
    expect(upstream.requests.slice(before).map(({ method }) => method)).toEqual(['GET']);
  });

  it('answers SERVFAIL when the certificate does not name the server', async () => {
    const server = await forwarder(`        tls ${pki.caPath}\n        tls_servername wrong.example\n        max_fails 0\n`);
    expect((await dig('wrong.example.org', { port: server.port })).status).toBe('SERVFAIL');
  });
});
