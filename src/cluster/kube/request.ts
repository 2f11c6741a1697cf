import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import { http } from '../../node-http.ts';
import { KubeApiError, KubeIdleTimeoutError, KubeProtocolError } from './errors.ts';
import type { KubeConnection } from './connection.ts';

const USER_AGENT = 'clusterdns (kubernetes watch)';
const MAX_ERROR_BODY = 64 * 1024;

/** What every request needs: where, when to give up on silence, and when to stop. */
export interface RequestContext {
  readonly connection: KubeConnection;
  readonly signal: AbortSignal;
  readonly idleTimeoutMs: number;
}

/**
 * A 2xx response body as text chunks. Silence longer than the idle timeout, a reset or the
 * context's abort end the iteration with an error; the request is released when iteration ends.
 */
export class ApiStream implements AsyncIterable<string> {
  readonly #response: IncomingMessage;
  readonly #release: () => void;
  readonly #describeError: (error: unknown) => unknown;
  readonly #touch: () => void;

  constructor(response: IncomingMessage, touch: () => void, describeError: (error: unknown) => unknown, release: () => void) {
    this.#response = response;
    this.#touch = touch;
    this.#describeError = describeError;
    this.#release = release;
    response.setEncoding('utf8');
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    try {
      for await (const chunk of this.#response) {
        this.#touch();
        yield chunk as string;
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

async function readErrorBody(response: IncomingMessage): Promise<string> {
  let text = '';
  response.setEncoding('utf8');
  for await (const chunk of response) {
    if (text.length < MAX_ERROR_BODY) text += chunk as string;
  }
  return text;
}

function apiErrorFrom(code: number, body: string, path: string): KubeApiError {
  try {
    const status = JSON.parse(body) as { kind?: unknown; reason?: unknown; message?: unknown };
    if (status.kind === 'Status') {
      return new KubeApiError(code, typeof status.reason === 'string' ? status.reason : '', typeof status.message === 'string' ? status.message : '', path);
    }
  } catch {
    // Not JSON: a proxy or load balancer answered; the status code is all there is.
  }
  return new KubeApiError(code, '', body.slice(0, 200).trim(), path);
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
      headers: { ...options.headers, Accept: 'application/json', 'User-Agent': USER_AGENT },
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
      readErrorBody(response).then(
        (body) => {
          release();
          reject(apiErrorFrom(code, body, path));
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

/** GETs a JSON document (a list page). */
export async function getJson(context: RequestContext, path: string, query: URLSearchParams): Promise<unknown> {
  const stream = await openStream(context, path, query);
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  try {
    return JSON.parse(chunks.join('')) as unknown;
  } catch (error) {
    throw new KubeProtocolError(path, 'response is not JSON', { cause: error });
  }
}
