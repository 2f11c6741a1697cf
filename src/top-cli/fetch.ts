import { http } from '../node-http.ts';
import { joinHostPort, splitHostPort } from '../toolkit/host-port.ts';
import { readTopDocument, TOP_PATH, type TopDocument } from './document.ts';
/** A guard against a server that accepts and never answers. */
const TIMEOUT_MS = 5_000;

/** Reading /top failed: no server, another status, or not the document. */
export class TopFetchError extends Error {
  readonly url: string;
  constructor(url: string, problem: string) {
    super(`GET ${url}: ${problem}`);
    this.name = 'TopFetchError';
    this.url = url;
  }
}

/** Where to read /top: `HOST:PORT`, `[v6]:PORT`, or `:PORT` for 127.0.0.1 (where `prometheus :PORT` and its default `localhost:PORT` both listen). */
export interface TopServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

/** Reads `--server`; null when it is no HOST:PORT. */
export function parseTopServer(text: string): TopServer | null {
  let parts: { host: string; port: string };
  try {
    parts = splitHostPort(text);
  } catch {
    return null;
  }
  if (!/^\d{1,5}$/.test(parts.port) || Number(parts.port) === 0 || Number(parts.port) > 65535) return null;
  const host = parts.host === '' ? '127.0.0.1' : parts.host;
  const port = Number(parts.port);
  return { host, port, url: `http://${joinHostPort(host, port)}${TOP_PATH}` };
}

/** GET /top from `server`, checked to be the document. */
export function fetchTop(server: TopServer): Promise<TopDocument> {
  return new Promise((resolve, reject) => {
    const fail = (problem: string): void => reject(new TopFetchError(server.url, problem));
    const request = http.get({ host: server.host, port: server.port, path: TOP_PATH, agent: false, timeout: TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => fail(error.message));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) {
          const hint = response.statusCode === 404 ? ' (is `top` in a server block with `prometheus` on this address?)' : '';
          fail(`HTTP ${response.statusCode}${hint}`);
          return;
        }
        try {
          resolve(readTopDocument(JSON.parse(body)));
        } catch (error) {
          fail((error as Error).message);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no answer in ${TIMEOUT_MS / 1000} s`)));
    request.on('error', (error) => fail(error.message));
  });
}
