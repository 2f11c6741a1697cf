import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { decodeMessage } from '../../src/dns/message.ts';
import { connCacheHits, connCacheMisses } from '../../src/plugins/forward/metrics.ts';
import { dig } from '../../src/test-support/dig.ts';
import { sharedTestPki, type TestPki } from '../../src/test-support/pki.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';
import { aRecord, respond, startFakeUpstream, type ReceivedQuery } from '../../src/test-support/upstream.ts';
import { eventually } from '../../src/test-support/wait.ts';

/*
 * forward to a DNS-over-TLS upstream started here: a node:tls server on 127.0.0.1 with the test
 * PKI's certificate for localhost and 127.0.0.1, speaking DNS-over-TCP framing, and answering
 * every A question with 192.0.2.53 (names under silent.test get no answer).
 */

interface TlsUpstream {
  readonly port: number;
  /** Connections whose handshake passed. */
  readonly connections: number;
  /** Every query received, health checks included. */
  readonly received: readonly ReceivedQuery[];
  /** The subject CN of each connection's client certificate (null without one). */
  readonly clients: readonly (string | null)[];
  close(): Promise<void>;
}

const ANSWER = '192.0.2.53';

function answer(query: ReceivedQuery): Buffer | null {
  if (query.name.endsWith('silent.test')) return null;
  if (query.type !== RRType.A) return respond(query).bytes;
  return respond(query, { answers: [aRecord(query.name, ANSWER)] }).bytes;
}

function serveDns(socket: TLSSocket, received: ReceivedQuery[]): void {
  let pending = Buffer.alloc(0);
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const raw = Buffer.from(pending.subarray(2, 2 + pending.readUInt16BE(0)));
      pending = pending.subarray(2 + raw.length);
      const message = decodeMessage(raw);
      const question = message.questions[0]!;
      const query: ReceivedQuery = { transport: 'tcp', raw, message, name: question.name, type: question.type };
      received.push(query);
      const bytes = answer(query);
      if (bytes === null) continue;
      const frame = Buffer.alloc(2 + bytes.length);
      frame.writeUInt16BE(bytes.length, 0);
      bytes.copy(frame, 2);
      socket.write(frame);
    }
  });
}

async function startTlsUpstream(pki: TestPki, options: { requireClientCert?: boolean } = {}): Promise<TlsUpstream> {
  const received: ReceivedQuery[] = [];
  const clients: (string | null)[] = [];
  const sockets = new Set<TLSSocket>();
  const requireClientCert = options.requireClientCert ?? false;
  const server: Server = createServer({
    cert: pki.serverCertPem,
    key: pki.serverKeyPem,
    ca: pki.caPem,
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const common = socket.getPeerCertificate().subject?.CN;
    clients.push(Array.isArray(common) ? common.join(',') : (common ?? null));
    serveDns(socket, received);
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get connections() {
      return clients.length;
    },
    received,
    clients,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

let pki: TestPki;
beforeAll(async () => {
  pki = await sharedTestPki();
});

async function upstream(options: { requireClientCert?: boolean } = {}): Promise<TlsUpstream> {
  const started = await startTlsUpstream(pki, options);
  cleanup.push(() => started.close());
  return started;
}

async function server(corefile: string): Promise<TestServer> {
  const started = await startTestServer(corefile);
  cleanup.push(() => started.stop());
  return started;
}

function queriesFor(tls: TlsUpstream, name: string): number {
  return tls.received.filter((query) => query.name === name).length;
}

describe('forward to a DNS-over-TLS upstream', () => {
  it('relays the answers over one TLS connection, reused across queries, counted as tcp-tls', async () => {
    const tls = await upstream();
    const running = await server(`. {\n forward . tls://127.0.0.1:${tls.port} {\n  tls ${pki.caPath}\n  tls_servername localhost\n }\n}\n`);
    for (const name of ['a.example.test', 'b.example.test', 'c.example.test']) {
      const result = await dig(name, { port: running.port });
      expect(result.status).toBe('NOERROR');
      expect(result.answer.map((record) => [record.name, record.data])).toEqual([[`${name}.`, ANSWER]]);
    }
    const over = await dig('d.example.test', { port: running.port, tcp: true });
    expect(over.answer.map((record) => record.data)).toEqual([ANSWER]);
    expect(tls.received.map((query) => query.name)).toEqual(['a.example.test', 'b.example.test', 'c.example.test', 'd.example.test']);
    expect(tls.connections).toBe(1);
    const to = `127.0.0.1:${tls.port}`;
    expect(connCacheMisses.cell('forward', to, 'tcp-tls').value).toBe(1);
    expect(connCacheHits.cell('forward', to, 'tcp-tls').value).toBe(3);
  });

  it('opens a new TLS connection once the pooled one was idle longer than expire', async () => {
    const tls = await upstream();
    const running = await server(`. {\n forward . tls://127.0.0.1:${tls.port} {\n  tls ${pki.caPath}\n  expire 100ms\n }\n}\n`);
    expect((await dig('a.example.test', { port: running.port })).status).toBe('NOERROR');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await dig('b.example.test', { port: running.port })).status).toBe('NOERROR');
    expect(tls.connections).toBe(2);
  });

  it('checks the certificate against the upstream IP without tls_servername, and against `%NAME`', async () => {
    const tls = await upstream();
    const running = await server(
      `. {\n forward . tls://127.0.0.1:${tls.port} {\n  tls ${pki.caPath}\n }\n}\n` +
        `named.test {\n forward . tls://127.0.0.1%localhost:${tls.port} {\n  tls ${pki.caPath}\n }\n}\n`,
    );
    expect((await dig('by-ip.example.test', { port: running.port })).answer.map((record) => record.data)).toEqual([ANSWER]);
    expect((await dig('www.named.test', { port: running.port })).answer.map((record) => record.data)).toEqual([ANSWER]);
  });

  it('answers SERVFAIL when the certificate is not valid for tls_servername, and errors says why', async () => {
    const tls = await upstream();
    const running = await server(
      `. {\n errors\n forward . tls://127.0.0.1:${tls.port} {\n  tls ${pki.caPath}\n  tls_servername wrong.example\n  max_fails 0\n }\n}\n`,
    );
    expect((await dig('www.example.test', { port: running.port })).status).toBe('SERVFAIL');
    expect(queriesFor(tls, 'www.example.test')).toBe(0);
    expect(running.lines).toEqual([
      '[ERROR] plugin/errors: 2 www.example.test. A: tls: failed to verify certificate: x509: certificate is valid for localhost, not wrong.example',
    ]);
  });

  it('verifies the upstream only against the CA given: the system roots do not know the test CA', async () => {
    const tls = await upstream();
    const running = await server(`. {\n errors\n forward . tls://127.0.0.1:${tls.port} {\n  tls_servername localhost\n  max_fails 0\n }\n}\n`);
    expect((await dig('www.example.test', { port: running.port })).status).toBe('SERVFAIL');
    expect(running.lines).toEqual(['[ERROR] plugin/errors: 2 www.example.test. A: tls: failed to verify certificate: x509: certificate signed by unknown authority']);
  });

  it('presents the client certificate of `tls CERT KEY CA`, and fails where the upstream requires one and none is given', async () => {
    const tls = await upstream({ requireClientCert: true });
    const running = await server(
      `. {\n forward . tls://127.0.0.1:${tls.port} {\n  tls ${pki.clientCertPath} ${pki.clientKeyPath} ${pki.caPath}\n  tls_servername localhost\n }\n}\n` +
        `anonymous.test {\n errors\n forward . tls://127.0.0.1:${tls.port} {\n  tls ${pki.caPath}\n  tls_servername localhost\n  max_fails 0\n }\n}\n`,
    );
    expect((await dig('www.example.test', { port: running.port })).answer.map((record) => record.data)).toEqual([ANSWER]);
    expect(tls.clients).toEqual(['system:serviceaccount:kube-system:coredns']);
    expect((await dig('www.anonymous.test', { port: running.port })).status).toBe('SERVFAIL');
    expect(queriesFor(tls, 'www.anonymous.test')).toBe(0);
    expect(running.lines).toEqual(['[ERROR] plugin/errors: 2 www.anonymous.test. A: remote error: tls: certificate required']);
  });

  it('health-checks a TLS upstream over TLS after a failed try', async () => {
    const tls = await upstream();
    const running = await server(
      `. {\n forward . tls://127.0.0.1:${tls.port} {\n  tls ${pki.caPath}\n  read_timeout 100ms\n  health_check 50ms\n }\n}\n`,
    );
    expect((await dig('www.silent.test', { port: running.port })).status).toBe('SERVFAIL');
    await eventually(() => tls.received.some((query) => query.name === '' && query.type === RRType.NS), 'a health check over TLS');
  });

  it('forwards to a host name resolved at setup by the resolver given', async () => {
    const tls = await upstream();
    const resolver = await startFakeUpstream((query) =>
      query.name === 'dot.example.test' && query.type === RRType.A ? [respond(query, { answers: [aRecord(query.name, '127.0.0.1')] })] : [respond(query)],
    );
    cleanup.push(() => resolver.close());
    const running = await server(
      `. {\n forward . tls://dot.example.test:${tls.port} {\n  tls ${pki.caPath}\n  tls_servername localhost\n  resolver ${resolver.address}\n }\n}\n`,
    );
    expect((await dig('www.example.test', { port: running.port })).answer.map((record) => record.data)).toEqual([ANSWER]);
    expect(resolver.queries().map((query) => [query.name, query.type])).toEqual([
      ['dot.example.test', RRType.A],
      ['dot.example.test', RRType.AAAA],
    ]);
  });

  it('refuses to start when a host name cannot be resolved, naming the line', async () => {
    const resolver = await startFakeUpstream((query) => [respond(query, { rcode: 3 })]);
    cleanup.push(() => resolver.close());
    await expect(startTestServer(`. {\n forward . tls://127.0.0.1:853 dot.example.test {\n  resolver ${resolver.address}\n }\n}\n`)).rejects.toThrow(
      /Corefile:2 - Error during parsing: forward: failed to resolve "dot\.example\.test": no addresses found for "dot\.example\.test"$/,
    );
  });
});
