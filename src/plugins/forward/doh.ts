import http2 from 'node:http2';
import { HEADER_LENGTH } from '../../dns/constants.ts';
import { joinHostPort } from '../../toolkit/host-port.ts';
import { describeSocketError, describeTlsError, UpstreamError, UpstreamTimeoutError } from './errors.ts';
import type { TlsDialer } from './tls-dial.ts';
import type { UpstreamAddress } from './upstreams.ts';

/** RFC 8484's path and media type; CoreDNS uses no other path. */
const DOH_PATH = '/dns-query';
const DOH_MEDIA_TYPE = 'application/dns-message';
/** The most a response body may hold, as CoreDNS's doh package reads it. */
const MAX_RESPONSE_BYTES = 65_536;

/**
 * An https:// upstream (RFC 8484), as CoreDNS's lookupDoH reaches it through Go's HTTP client:
 * one HTTP/2 connection, kept open between queries (closed after `idleMs` without one, or when the
 * upstream ends it, then opened again on the next query), carrying each query as a request of its
 * own, POST or GET, with message ID 0 as RFC 8484 recommends.
 */
export class DohClient {
  private readonly upstream: UpstreamAddress;
  private readonly dialer: TlsDialer;
  private readonly method: 'GET' | 'POST';
  private readonly idleMs: number;
  private readonly url: string;
  private session: http2.ClientHttp2Session | null = null;

  constructor(upstream: UpstreamAddress, dialer: TlsDialer, method: 'GET' | 'POST', idleMs: number) {
    this.upstream = upstream;
    this.dialer = dialer;
    this.method = method;
    this.idleMs = idleMs;
    this.url = `https://${joinHostPort(upstream.host, upstream.port)}${DOH_PATH}`;
  }

  /** The connection, opened when there is none or the last one ended. */
  private connection(): http2.ClientHttp2Session {
    if (this.session !== null && !this.session.closed && !this.session.destroyed) return this.session;
    const { host, port } = this.upstream;
    const session = http2.connect(`https://${joinHostPort(host, port)}`, {
      createConnection: () => this.dialer.connect(host, port, ['h2']),
    });
    const forget = (): void => {
      if (this.session === session) this.session = null;
    };
    session.on('close', forget);
    session.on('goaway', forget);
    // A failed connection fails the requests on it, which report it; this only keeps it from being thrown.
    session.on('error', forget);
    session.setTimeout(this.idleMs, () => session.close());
    session.unref();
    this.session = session;
    return session;
  }

  private failure(error: unknown): UpstreamError {
    const reason = describeTlsError(error) ?? describeSocketError(error);
    const verb = this.method === 'POST' ? 'Post' : 'Get';
    return new UpstreamError(`${verb} "${this.url}": ${reason}`, this.upstream.label, 'tcp', 'read', error);
  }

  /** Sends `message` (its ID already 0) and resolves with the response's bytes; rejects with UpstreamError. */
  exchange(message: Buffer, timeoutMs: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      let request: http2.ClientHttp2Stream;
      const headers =
        this.method === 'POST'
          ? { ':method': 'POST', ':path': DOH_PATH, 'content-type': DOH_MEDIA_TYPE, accept: DOH_MEDIA_TYPE }
          : { ':method': 'GET', ':path': `${DOH_PATH}?dns=${message.toString('base64url')}`, accept: DOH_MEDIA_TYPE };
      try {
        request = this.connection().request(headers);
      } catch (error) {
        reject(this.failure(error));
        return;
      }
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const verb = this.method === 'POST' ? 'Post' : 'Get';
      const timer = setTimeout(() => {
        request.close(http2.constants.NGHTTP2_CANCEL);
        settle(() => reject(new UpstreamTimeoutError(`${verb} "${this.url}": context deadline exceeded`, this.upstream.label, 'tcp', 'read')));
      }, timeoutMs);
      const chunks: Buffer[] = [];
      let length = 0;
      let status = 0;
      const unusable = (why: string) => new UpstreamError(`dns: ${why} from ${this.url}`, this.upstream.label, 'tcp', 'read');
      request.on('response', (responseHeaders) => {
        status = Number(responseHeaders[':status']);
      });
      request.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        else request.close(http2.constants.NGHTTP2_CANCEL);
      });
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        if (status !== 200) settle(() => reject(unusable(`DoH response status ${status}`)));
        else if (length > MAX_RESPONSE_BYTES || body.length < HEADER_LENGTH) settle(() => reject(unusable('DoH response is no DNS message')));
        else settle(() => resolve(body));
      });
      request.on('error', (error) => settle(() => reject(this.failure(error))));
      request.on('close', () => settle(() => reject(unusable('DoH response cut short'))));
      request.end(this.method === 'POST' ? message : undefined);
    });
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }
}
