import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { FakeApiServer } from './server.ts';

/** A bare HTTP client for testing the fake server itself, independent of the code under test. */

export interface ClientAuth {
  /** Bearer token; defaults to the server's; null sends none. */
  readonly token?: string | null;
  readonly cert?: string;
  readonly key?: string;
  /** The Accept header; none by default. */
  readonly accept?: string;
}

function request(server: FakeApiServer, path: string, auth: ClientAuth): Promise<IncomingMessage> {
  const token = auth.token === undefined ? server.token : auth.token;
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  if (auth.accept) headers['Accept'] = auth.accept;
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = server.tls
      ? https.get(url, { headers, ca: server.caPem, cert: auth.cert, key: auth.key, agent: false }, resolve)
      : http.get(url, { headers, agent: false }, resolve);
    req.on('error', reject);
  });
}

export async function getJson(
  server: FakeApiServer,
  path: string,
  auth: ClientAuth = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(server, path, auth);
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return { status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> };
}

/** GETs a body as bytes, with its Content-Type. */
export async function getBytes(server: FakeApiServer, path: string, auth: ClientAuth = {}): Promise<{ status: number; contentType: string; body: Buffer }> {
  const res = await request(server, path, auth);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body: Buffer.concat(chunks) };
}

export interface WatchEvent {
  readonly type: string;
  readonly object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; [k: string]: unknown };
}

/** Opens a watch and collects its events; `next()` waits for the next one, `ended` resolves when the stream ends. */
export async function openWatch(server: FakeApiServer, path: string, auth: ClientAuth = {}) {
  const res = await request(server, path, auth);
  const events: WatchEvent[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
      buffer = buffer.slice(newline + 1);
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const ended = new Promise<void>((resolve) => {
    res.on('end', resolve);
    res.on('close', resolve);
  });
  void ended.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });
  let read = 0;
  return {
    status: res.statusCode ?? 0,
    events,
    ended,
    /** The next event, or undefined once the stream has ended with nothing more. */
    async next(): Promise<WatchEvent | undefined> {
      while (read >= events.length && !res.complete && !res.destroyed) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return events[read++];
    },
    close(): void {
      res.destroy();
    },
  };
}
