import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import { http } from '../../node-http.ts';
import { KubeApiError, KubeIdleTimeoutError } from './errors.ts';
import type { KubeConnection } from './connection.ts';
import { decodeObject, PROTOBUF_MEDIA_TYPE } from './protobuf/index.ts';

const USER_AGENT = 'clusterdns (kubernetes watch)';
const MAX_ERROR_BODY = 64 * 1024;
// As client-go asks for built-in types: protobuf, which can be read without decoding what is not
// needed, and JSON from servers that have no protobuf for a type (CRDs) or proxies that strip it.
const ACCEPT = `${PROTOBUF_MEDIA_TYPE}, application/json`;

/** How a response body is encoded, from its Content-Type. */
export type WireFormat = 'protobuf' | 'json';

/** What every request needs: where, when to give up on silence, and when to stop. */
export interface RequestContext {
  readonly connection: KubeConnection;
  readonly signal: AbortSignal;
  readonly idleTimeoutMs: number;
}

/** Protobuf only when the response says so; anything else is read as JSON, as it always was. */
function wireFormatOf(response: IncomingMessage): WireFormat {
  const mediaType = (response.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === PROTOBUF_MEDIA_TYPE ? 'protobuf' : 'json';
}

/**
 * A 2xx response body as byte chunks. Silence longer than the idle timeout, a reset or the
 * context's abort end the iteration with an error; the request is released when iteration ends.
 */
export class ApiStream implements AsyncIterable<Buffer> {
  /** How the body is encoded, from the response's Content-Type. */
  readonly format: WireFormat;
  readonly #response: IncomingMessage;
  readonly #release: () => void;
  readonly #describeError: (error: unknown) => unknown;
  readonly #touch: () => void;

  constructor(response: IncomingMessage, touch: () => void, describeError: (error: unknown) => unknown, release: () => void) {
    this.format = wireFormatOf(response);
    this.#response = response;
    this.#touch = touch;
    this.#describeError = describeError;
    this.#release = release;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for await (const chunk of this.#response) {
        this.#touch();
        yield chunk as Buffer;
      }
    } catch (error) {
      throw this.#describeError(error);
    } finally {
      this.#release();
    }
  }

  /** Abandons the response (a watch the caller is done with). */
  close(): void {
    this.#release();
  }
}

function urlFor(server: URL, path: string, query: URLSearchParams): URL {
  const url = new URL(server.href);
  // The server URL may carry a prefix (an API proxy); the resource path goes under it.
  url.pathname = server.pathname.replace(/\/$/, '') + path;
  url.search = query.toString();
  return url;
}

async function readErrorBody(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of response) {
    if (length < MAX_ERROR_BODY) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
  }
  return Buffer.concat(chunks, length);
}

interface StatusFields {
  readonly kind?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
}

function apiErrorFrom(code: number, format: WireFormat, body: Buffer, path: string): KubeApiError {
  let status: StatusFields | undefined;
  try {
    status = format === 'protobuf' ? decodeObject(body) : (JSON.parse(body.toString('utf8')) as StatusFields);
  } catch {
    // Not a Status: a proxy or load balancer answered; the status code is all there is.
  }
  if (status?.kind === 'Status') {
    return new KubeApiError(code, typeof status.reason === 'string' ? status.reason : '', typeof status.message === 'string' ? status.message : '', path);
  }
  return new KubeApiError(code, '', format === 'json' ? body.toString('utf8', 0, 200).trim() : '', path);
}

/** Sends a GET and resolves with the body stream once a 2xx status arrives; any other status throws KubeApiError. */
export async function openStream(context: RequestContext, path: string, query: URLSearchParams): Promise<ApiStream> {
  const options = await context.connection.requestOptions();
  // Checked after the await: an abort while credentials were read has no listener to hear it.
  context.signal.throwIfAborted();
  const url = urlFor(context.connection.server, path, query);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<ApiStream>((resolve, reject) => {
    let timedOut = false;
    let request: ClientRequest | undefined;
    let response: IncomingMessage | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      request?.destroy(new KubeIdleTimeoutError(path, context.idleTimeoutMs));
    }, context.idleTimeoutMs);
    const onAbort = (): void => {
      request?.destroy(context.signal.reason as Error);
    };
    const release = (): void => {
      clearTimeout(timer);
      context.signal.removeEventListener('abort', onAbort);
      // A fully read response leaves its connection to the agent for reuse; anything else is cut.
      if (!response?.complete) request?.destroy();
    };
    const describeError = (error: unknown): unknown => {
      if (context.signal.aborted) return context.signal.reason;
      if (timedOut) return new KubeIdleTimeoutError(path, context.idleTimeoutMs);
      return error;
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    request = transport.request(url, {
      ...options,
      method: 'GET',
      headers: { ...options.headers, Accept: ACCEPT, 'User-Agent': USER_AGENT },
    });
    request.on('error', (error) => {
      release();
      reject(describeError(error));
    });
    request.on('response', (incoming) => {
      response = incoming;
      timer.refresh();
      const code = response.statusCode ?? 0;
      if (code >= 200 && code < 300) {
        resolve(new ApiStream(response, () => timer.refresh(), describeError, release));
        return;
      }
      const format = wireFormatOf(response);
      readErrorBody(response).then(
        (body) => {
          release();
          reject(apiErrorFrom(code, format, body, path));
        },
        (error: unknown) => {
          release();
          reject(describeError(error));
        },
      );
    });
    request.end();
  });
}

/** A whole response body and how it is encoded. */
export interface ApiDocument {
  readonly format: WireFormat;
  /** Valid until the next document read into the same BodyBuffer. */
  readonly body: Buffer;
}

/**
 * Collects one response body after another (a list's pages) into the same buffer. A fresh buffer
 * per page, megabytes each, would cost page faults and push V8 to collect, for bytes that are
 * decoded into strings and objects of their own and then dropped.
 */
export class BodyBuffer {
  #buffer = Buffer.allocUnsafe(64 * 1024);
  #length = 0;

  /** The body collected so far: a view, overwritten by the next body. */
  get contents(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  clear(): void {
    this.#length = 0;
  }

  append(chunk: Buffer): void {
    if (this.#length + chunk.length > this.#buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#length + chunk.length));
      this.#buffer.copy(grown, 0, 0, this.#length);
      this.#buffer = grown;
    }
    chunk.copy(this.#buffer, this.#length);
    this.#length += chunk.length;
  }
}

/** GETs a whole document (a list page) into `into`. */
export async function getDocument(context: RequestContext, path: string, query: URLSearchParams, into: BodyBuffer): Promise<ApiDocument> {
  const stream = await openStream(context, path, query);
  into.clear();
  for await (const chunk of stream) into.append(chunk);
  return { format: stream.format, body: into.contents };
}
