import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIP, connect } from 'node:net';
import { decodeMessage, type DecodedMessage } from '../dns/message.ts';
import { encodeQuery } from '../dns/query.ts';
import type { DomainName } from '../dns/types.ts';
import type { Exchange, ExchangeResult } from './search.ts';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

export interface TransportOptions {
  /** Tried in order on every attempt, as glibc does without `rotate`. */
  readonly servers: readonly ServerAddress[];
  readonly timeoutMs: number;
  readonly attempts: number;
  /** Always TCP (`options use-vc`, `--tcp`); otherwise UDP, and TCP again when the answer is truncated. */
  readonly tcp: boolean;
}

export class ServerAddressError extends Error {
  readonly text: string;
  constructor(text: string) {
    super(`not a server address (want IP, IP:PORT or [IPv6]:PORT): ${text}`);
    this.name = 'ServerAddressError';
    this.text = text;
  }
}

/** `IP`, `IP:PORT`, `[IPv6]:PORT` or a bare IPv6 address; the port defaults to 53. */
export function parseServerAddress(text: string): ServerAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : isIP(text) === 6
      ? [text, undefined]
      : (text.split(':') as [string, string | undefined]);
  const portNumber = port === undefined ? 53 : Number(port);
  if (isIP(host) === 0 || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw new ServerAddressError(text);
  return { host, port: portNumber };
}

export function formatServerAddress(server: ServerAddress): string {
  return isIP(server.host) === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

/** Whether `message` answers the query: same ID and question, as glibc's res_queriesmatch checks. */
function answers(message: DecodedMessage, id: number, name: DomainName, type: number): boolean {
  const question = message.questions[0];
  return message.response && message.id === id && message.questions.length === 1 && question!.name === name && question!.type === type;
}

type TryResult = { kind: 'response'; message: DecodedMessage } | { kind: 'timeout' } | { kind: 'refused' };

function udpTry(server: ServerAddress, query: Buffer, id: number, name: DomainName, type: number, timeoutMs: number): Promise<TryResult> {
  return new Promise((resolve) => {
    const socket = createSocket(isIP(server.host) === 6 ? 'udp6' : 'udp4');
    let settled = false;
    const finish = (result: TryResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    // A connected socket hears ICMP port unreachable as ECONNREFUSED.
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'timeout' }));
    socket.on('message', (packet) => {
      let message: DecodedMessage;
      try {
        message = decodeMessage(packet);
      } catch {
        return;
      }
      // Anything that does not answer this query is ignored; the wait goes on.
      if (answers(message, id, name, type)) finish({ kind: 'response', message });
    });
    socket.connect(server.port, server.host, () => socket.send(query));
  });
}

function tcpTry(server: ServerAddress, query: Buffer, id: number, name: DomainName, type: number, timeoutMs: number): Promise<TryResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: server.host, port: server.port });
    let settled = false;
    let buffered = Buffer.alloc(0);
    const finish = (result: TryResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'timeout' }));
    socket.on('close', () => finish({ kind: 'timeout' }));
    socket.on('connect', () => {
      const framed = Buffer.allocUnsafe(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const packet = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        try {
          const message = decodeMessage(packet);
          if (answers(message, id, name, type)) return finish({ kind: 'response', message });
        } catch {
          // A message that does not decode answers nothing; wait for the next.
        }
      }
    });
  });
}

/** The response, where it came from and over what, for the attempt lines. */
export type TransportResult = ExchangeResult & { readonly server?: string; readonly transport?: 'udp' | 'tcp' };

/**
 * Sends queries as glibc's res_send does, simplified: each attempt tries every server in turn
 * with the full timeout; a truncated UDP answer is asked again over TCP from the same server.
 * No EDNS, as glibc without `options edns0`. Refused only when every try was refused.
 */
export function createExchange(options: TransportOptions): Exchange {
  return async (name, type): Promise<TransportResult> => {
    let allRefused = true;
    for (let attempt = 0; attempt < options.attempts; attempt++) {
      for (const server of options.servers) {
        const id = randomInt(0, 0x10000);
        const query = encodeQuery(name, type, { id });
        const label = formatServerAddress(server);
        if (!options.tcp) {
          const udp = await udpTry(server, query, id, name, type, options.timeoutMs);
          if (udp.kind === 'response' && !udp.message.truncated) return { ...udp, server: label, transport: 'udp' };
          if (udp.kind !== 'response') {
            if (udp.kind === 'timeout') allRefused = false;
            continue;
          }
        }
        const tcp = await tcpTry(server, query, id, name, type, options.timeoutMs);
        if (tcp.kind === 'response') return { ...tcp, server: label, transport: 'tcp' };
        if (tcp.kind === 'timeout') allRefused = false;
      }
    }
    return allRefused ? { kind: 'refused' } : { kind: 'timeout' };
  };
}
