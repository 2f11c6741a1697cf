import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { http } from '../../node-http.ts';

/**
 * One keep-alive agent for as long as the TLS material stays the same: list pages reuse a
 * connection instead of paying a handshake each. New material (a rotated CA or client
 * certificate) gets a new agent; the old one is closed.
 */
export class KeepAliveAgents {
  readonly #https: boolean;
  #material = '';
  #agent: HttpAgent | undefined;

  constructor(https: boolean) {
    this.#https = https;
  }

  agentFor(options: RequestOptions): HttpAgent {
    const { ca, cert, key, rejectUnauthorized, servername } = options;
    const material = [ca, cert, key, rejectUnauthorized, servername].map((part) => String(part ?? '')).join('\0');
    if (this.#agent && material === this.#material) return this.#agent;
    this.#agent?.destroy();
    this.#material = material;
    this.#agent = this.#https
      ? new HttpsAgent({ keepAlive: true, ca, cert, key, servername, ...(rejectUnauthorized === undefined ? {} : { rejectUnauthorized }) })
      : new http.Agent({ keepAlive: true });
    return this.#agent;
  }

  close(): void {
    this.#agent?.destroy();
    this.#agent = undefined;
    this.#material = '';
  }
}
