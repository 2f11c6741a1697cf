import http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { parseQuery } from '../dns/query.ts';
import { minimalTtl } from '../dns/ttl.ts';
import { httpsResponses } from '../metrics/coredns.ts';
import { ListenError } from '../toolkit/errors.ts';
import { isPromiseLike } from '../toolkit/promise.ts';
import type { Endpoints, ServerTlsOptions } from '../toolkit/types.ts';
import { clientAddress } from './client-address.ts';
import { ALL_INTERFACES } from './config.ts';
import type { DnsResponse, QueryDispatch } from './dispatch.ts';
import { clientAccepted, secureServerOptions, writeKeyLog } from './secure.ts';

/** RFC 8484's path and media type, as CoreDNS's doh package has them. */
const DOH_PATH = '/dns-query';
const DOH_MEDIA_TYPE = 'application/dns-message';
/** The largest query CoreDNS reads from a body, and its base64url length in a GET. */
const MAX_QUERY_BYTES = 65_536;
const MAX_BASE64_LENGTH = Math.floor((MAX_QUERY_BYTES * 8 + 5) / 6);
const BASE64URL = /^[A-Za-z0-9_-]*$/;

type HttpRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** What both HTTP versions' responses offer, all a DoH answer needs. */
interface HttpResponse {
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  writeHead(status: number, headers: http.OutgoingHttpHeaders): unknown;
  end(body: Buffer | string): unknown;
}

export interface HttpsListenerOptions {
  /** null serves plain HTTP/1.1 (behind a TLS-terminating proxy), as CoreDNS does without `tls`. */
  readonly secure: ServerTlsOptions | null;
  /** 0 for no limit. */
  readonly maxConnections: number;
  readonly reusePort: boolean;
  /** The `server` label of coredns_https_responses_total for the bound port: `https://:443`. */
  readonly serverLabel: (port: number) => string;
}

class BadDohRequest extends Error {}

/** The query of a GET's single `dns` parameter (base64url, no padding) or a POST's body. */
async function readQuery(request: HttpRequest, url: URL): Promise<Buffer> {
  if (request.method === 'GET') {
    const values = url.searchParams.getAll('dns');
    if (values.length !== 1) throw new BadDohRequest(values.length === 0 ? "no 'dns' query parameter found" : "multiple 'dns' query values found");
    const text = values[0]!;
    if (text.length > MAX_BASE64_LENGTH) throw new BadDohRequest('dns query too large');
    if (!BASE64URL.test(text) || text.length % 4 === 1) throw new BadDohRequest('illegal base64 data');
    return Buffer.from(text, 'base64url');
  }
  if (request.method !== 'POST') throw new BadDohRequest(`method not allowed: ${request.method}`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_QUERY_BYTES) throw new BadDohRequest('http: request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, length);
}

/**
 * A DNS-over-HTTPS listener (RFC 8484), as CoreDNS's ServerHTTPS: GET and POST on /dns-query,
 * HTTP/2 or HTTP/1.1 over TLS (plain HTTP/1.1 without a certificate), each request one query
 * answered through the same Dispatcher as DNS over UDP and TCP.
 */
export class HttpsListener {
  readonly address: string;
  readonly port: number;
  private readonly server: net.Server;
  private readonly dispatcher: QueryDispatch;
  private readonly logger: Logger;
  private readonly label: string;
  private readonly sockets = new Set<net.Socket>();
  private readonly closeKeyLog: () => void;
  private closing: Promise<void> | null = null;

  private constructor(server: net.Server, dispatcher: QueryDispatch, logger: Logger, options: HttpsListenerOptions) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.logger = logger;
    const local = server.address() as net.AddressInfo;
    this.address = local.address;
    this.port = local.port;
    this.label = options.serverLabel(local.port);
    if (options.maxConnections > 0) server.maxConnections = options.maxConnections;
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    const { secure } = options;
    if (secure === null) {
      this.closeKeyLog = () => {};
    } else {
      server.on('secureConnection', (socket: tls.TLSSocket) => {
        if (!clientAccepted(socket, secure)) socket.destroy();
      });
      server.on('tlsClientError', (error) => logger.debug({ err: error }, 'tls handshake failed'));
      this.closeKeyLog = writeKeyLog(server as tls.Server, secure, logger);
    }
    server.on('error', (error) => logger.error({ err: error }, 'https listener error'));
  }

  static async open(host: string, port: number, dispatcher: QueryDispatch, logger: Logger, options: HttpsListenerOptions): Promise<HttpsListener> {
    let listener: HttpsListener | undefined;
    const handle = (request: HttpRequest, response: http.ServerResponse | http2.Http2ServerResponse): void =>
      void listener?.serve(request, response as HttpResponse).catch((error: unknown) => listener?.aborted(response as HttpResponse, error));
    const server: net.Server =
      options.secure === null
        ? http.createServer(handle)
        : http2.createSecureServer({ ...secureServerOptions(options.secure, ['h2', 'http/1.1']), allowHTTP1: true }, handle);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        const where = host === ALL_INTERFACES ? { port } : { port, host };
        server.listen({ ...where, exclusive: true, reusePort: options.reusePort }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      server.close();
      throw new ListenError('tcp', host, port, error);
    }
    listener = new HttpsListener(server, dispatcher, logger, options);
    return listener;
  }

  async serve(request: HttpRequest, response: HttpResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://doh.invalid');
    if (url.pathname !== DOH_PATH) return this.fail(response, 404, '');
    let packet: Buffer;
    try {
      packet = await readQuery(request, url);
    } catch (error) {
      if (!(error instanceof BadDohRequest)) throw error;
      this.logger.debug({ reason: error.message }, 'DoH request could not be parsed');
      return this.fail(response, 400, 'invalid request');
    }
    const socket = request.socket;
    const from: Endpoints = {
      transport: 'tcp',
      remoteAddress: clientAddress(socket.remoteAddress ?? ''),
      remotePort: socket.remotePort ?? 0,
      localAddress: clientAddress(socket.localAddress ?? ''),
      localPort: socket.localPort ?? 0,
    };
    let result;
    try {
      const dispatched = this.dispatcher.dispatch(packet, from);
      result = isPromiseLike(dispatched) ? await dispatched : dispatched;
    } catch (error) {
      this.logger.error({ err: error }, 'https dispatch failed');
      return this.fail(response, 500, 'No response');
    }
    if (result === null) {
      // The dispatcher drops what does not parse as a message, which CoreDNS's DoH calls a bad request.
      if (parseQuery(packet).kind === 'drop') return this.fail(response, 400, 'invalid request');
      return this.fail(response, 500, 'No response');
    }
    this.answer(response, firstMessage(result));
  }

  /** A request that failed outside the DNS layer, a client gone mid-body most likely. */
  aborted(response: HttpResponse, error: unknown): void {
    this.logger.debug({ err: error }, 'DoH request failed');
    this.fail(response, 500, 'No response');
  }

  private answer(response: HttpResponse, message: Buffer): void {
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(200, {
      'content-type': DOH_MEDIA_TYPE,
      'cache-control': `max-age=${minimalTtl(message)}`,
      'content-length': message.length,
    });
    response.end(message);
    httpsResponses.cell(this.label, '200').inc();
  }

  /** An error as Go's http.Error writes it: plain text with a newline. */
  private fail(response: HttpResponse, status: number, text: string): void {
    if (response.writableEnded || response.destroyed) return;
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
    response.end(`${text}\n`);
    httpsResponses.cell(this.label, String(status)).inc();
  }

  /** Serves new TLS sessions with a reloaded `tls` line's certificate; sessions already open keep theirs. */
  replaceCertificate(secure: ServerTlsOptions): void {
    if (this.server instanceof tls.Server) this.server.setSecureContext(secureServerOptions(secure));
  }

  /** Stops accepting, lets requests in flight finish, and cuts what is still open after `graceMs`. */
  close(graceMs: number): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const deadline = setTimeout(() => {
        for (const socket of this.sockets) socket.destroy();
      }, graceMs);
      this.server.close(() => {
        clearTimeout(deadline);
        this.closeKeyLog();
        resolve();
      });
      (this.server as http.Server).closeIdleConnections?.();
    });
    return this.closing;
  }
}

/** A zone transfer's first message: a DoH response carries one. */
function firstMessage(response: DnsResponse): Buffer {
  return Buffer.isBuffer(response) ? response : response[0]!;
}
