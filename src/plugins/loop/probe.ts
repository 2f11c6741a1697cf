import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { RRType } from '../../dns/constants.ts';
import { encodeQuery } from '../../dns/query.ts';
import type { DomainName } from '../../dns/types.ts';
import { joinHostPort } from '../../toolkit/host-port.ts';

/** miekg/dns's dns.Exchange waits this long for an answer. */
export const EXCHANGE_TIMEOUT_MS = 2_000;

/** A decimal random integer below 2^62, as CoreDNS's secureRandIntString. */
function randomLabel(): string {
  return (randomBytes(8).readBigUInt64BE() >> 2n).toString();
}

/** `<random>.<random>.<zone>`: the name only this process's probe asks for. */
export function probeName(zone: DomainName): DomainName {
  const labels = `${randomLabel()}.${randomLabel()}`;
  return zone === '' ? labels : `${labels}.${zone}`;
}

/** Where to send a probe to a listener on `host`: every interface is reached through loopback, as Go dials ":53". */
export function dialHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** Why a probe got no answer. */
export class ProbeError extends Error {
  readonly target: string;
  constructor(target: string, reason: string) {
    super(`loop probe to ${target}: ${reason}`);
    this.name = 'ProbeError';
    this.target = target;
  }
}

/** Sends `name` HINFO to host:port over UDP and resolves on any answer with its ID (dns.Exchange). */
export function exchangeProbe(host: string, port: number, name: DomainName, timeoutMs = EXCHANGE_TIMEOUT_MS): Promise<void> {
  const target = joinHostPort(host, port);
  const query = encodeQuery(name, RRType.HINFO);
  const id = query.readUInt16BE(0);
  const socket = dgram.createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  return new Promise<void>((resolve, reject) => {
    const finish = (error: Error | null): void => {
      clearTimeout(timer);
      socket.close();
      if (error === null) resolve();
      else reject(error);
    };
    const timer = setTimeout(() => finish(new ProbeError(target, 'i/o timeout')), timeoutMs);
    socket.on('message', (message: Buffer) => {
      if (message.length >= 12 && message.readUInt16BE(0) === id) finish(null);
    });
    socket.on('error', (error) => finish(new ProbeError(target, error.message)));
    socket.connect(port, host, () => socket.send(query));
  });
}
