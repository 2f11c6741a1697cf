import { RCode } from '../../dns/constants.ts';
import { PluginError } from '../../toolkit/errors.ts';
import type { WireProtocol } from './upstreams.ts';

/** What a socket error says, in Go's words, since CoreDNS's errors plugin logs those. */
export function describeSocketError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by peer';
    case 'EPIPE':
      return 'broken pipe';
    case 'ETIMEDOUT':
      return 'i/o timeout';
    case 'EHOSTUNREACH':
      return 'no route to host';
    case 'ENETUNREACH':
      return 'network is unreachable';
    case 'EADDRNOTAVAIL':
      return 'cannot assign requested address';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

export type UpstreamOperation = 'dial' | 'read' | 'write';

/**
 * A try at one upstream that failed: the message reads as Go's net errors do in CoreDNS logs
 * (`read udp 127.0.0.1:40001->127.0.0.1:53: i/o timeout`), the fields say where and what.
 */
export class UpstreamError extends Error {
  readonly upstream: string;
  readonly protocol: WireProtocol;
  readonly operation: UpstreamOperation;
  constructor(message: string, upstream: string, protocol: WireProtocol, operation: UpstreamOperation, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UpstreamError';
    this.upstream = upstream;
    this.protocol = protocol;
    this.operation = operation;
  }
}

/** No reply (or no connection) within the time allowed. */
export class UpstreamTimeoutError extends UpstreamError {
  constructor(message: string, upstream: string, protocol: WireProtocol, operation: UpstreamOperation) {
    super(message, upstream, protocol, operation);
    this.name = 'UpstreamTimeoutError';
  }
}

/** The upstream closed a pooled TCP or TLS connection before answering: the try is made again on a new one. */
export class CachedConnectionClosedError extends UpstreamError {
  constructor(upstream: string, protocol: WireProtocol) {
    super('cached connection was closed by peer', upstream, protocol, 'read');
    this.name = 'CachedConnectionClosedError';
  }
}

/** Every upstream is down and failfast_all_unhealthy_upstreams is set, or the deadline passed without a try. */
export class NoHealthyUpstreamError extends Error {
  readonly from: string;
  constructor(from: string) {
    super('no healthy proxies');
    this.name = 'NoHealthyUpstreamError';
    this.from = from;
  }
}

/** The pool was stopped (shutdown or reload) while a query still wanted it. */
export class TransportStoppedError extends Error {
  readonly upstream: string;
  constructor(upstream: string) {
    super('proxy: transport stopped');
    this.name = 'TransportStoppedError';
    this.upstream = upstream;
  }
}

/**
 * More queries than max_concurrent are being forwarded: CoreDNS answers REFUSED and `errors` logs
 * this message. One per directive, as CoreDNS's, so an overload allocates none.
 */
export class MaxConcurrentError extends PluginError {
  readonly limit: number;
  constructor(limit: number) {
    super('forward', RCode.REFUSED, `concurrent queries exceeded maximum ${limit}`);
    this.name = 'MaxConcurrentError';
    this.limit = limit;
  }
}

/** OpenSSL's verification failures that Go reports as an unknown authority. */
const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** Go writes IPv6 SANs compressed; node's subjectaltname writes them in full. */
function compressedIp(text: string): string {
  return text.includes(':') ? new URL(`http://[${text}]`).hostname.slice(1, -1) : text;
}

/** Go's x509.HostnameError, from what node's checkServerIdentity saw. */
function hostnameMismatch(host: string, subjectAltName: string): string {
  const names = subjectAltName.split(', ').filter((entry) => entry !== '');
  const ips = names.filter((entry) => entry.startsWith('IP Address:')).map((entry) => compressedIp(entry.slice('IP Address:'.length)));
  const dns = names.filter((entry) => entry.startsWith('DNS:')).map((entry) => entry.slice('DNS:'.length));
  const isIp = /^[\d.]+$|:/.test(host);
  if (isIp && ips.length === 0) return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
  const valid = (isIp ? ips : dns).join(', ');
  if (valid === '') return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${valid}, not ${host}`;
}

/**
 * A TLS failure in the words of Go's crypto/tls, which CoreDNS's errors plugin logs
 * (`tls: failed to verify certificate: x509: certificate signed by unknown authority`,
 * `remote error: tls: certificate required`); null for an error that is not TLS's.
 */
export function describeTlsError(error: unknown): string | null {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === undefined) return null;
  const verify = (reason: string): string => `tls: failed to verify certificate: ${reason}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const { host, cert } = error as { host?: string; cert?: { subjectaltname?: string } };
    return verify(hostnameMismatch(host ?? '', cert?.subjectaltname ?? ''));
  }
  if (UNKNOWN_AUTHORITY.has(code)) return verify('x509: certificate signed by unknown authority');
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return verify('x509: certificate has expired or is not yet valid');
  const alert = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_(\w+)$/.exec(code);
  if (alert !== null) return `remote error: tls: ${alert[1]!.toLowerCase().replaceAll('_', ' ')}`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'tls: first record does not look like a TLS handshake';
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return `tls: ${message}`;
  return null;
}
