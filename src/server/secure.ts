import { createWriteStream, type WriteStream } from 'node:fs';
import type { TLSSocket, TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { ServerTlsOptions } from '../toolkit/types.ts';

/**
 * node:tls options for a `tls` line, as CoreDNS builds its tls.Config: TLS 1.2 at least, the CA
 * (or the system's roots) checking client certificates. Node checks only `require_and_verify` in
 * the handshake; the weaker policies are settled by clientAccepted once it is done.
 */
export function secureServerOptions(options: ServerTlsOptions, alpn?: readonly string[]): TlsOptions {
  const { cert, key, ca, minVersion } = options.material;
  return {
    cert,
    key,
    ca,
    minVersion,
    requestCert: options.clientAuth !== 'nocert',
    rejectUnauthorized: options.clientAuth === 'require_and_verify',
    ...(alpn === undefined ? {} : { ALPNProtocols: [...alpn] }),
  };
}

function presentedCertificate(socket: TLSSocket): boolean {
  const certificate = socket.getPeerCertificate();
  return certificate !== null && Object.keys(certificate).length > 0;
}

/**
 * Whether a finished handshake meets the client policy: `require` wants a certificate, any;
 * `verify_if_given` wants a given one to verify (Go's RequireAnyClientCert, VerifyClientCertIfGiven).
 */
export function clientAccepted(socket: TLSSocket, options: ServerTlsOptions): boolean {
  switch (options.clientAuth) {
    case 'require':
      return presentedCertificate(socket);
    case 'verify_if_given':
      return socket.authorized || !presentedCertificate(socket);
    default:
      return true;
  }
}

/** Appends the session keys of `server`'s connections to the `keylog` file, if one is set; returns its closer. */
export function writeKeyLog(
  server: { on(event: 'keylog', listener: (line: Buffer) => void): unknown },
  options: ServerTlsOptions,
  logger: Logger,
): () => void {
  if (options.keylog === null) return () => {};
  const file: WriteStream = createWriteStream(options.keylog, { flags: 'a', mode: 0o600 });
  file.on('error', (error) => logger.error({ err: error, file: options.keylog }, 'cannot write the TLS key log'));
  logger.warn({ file: options.keylog }, 'writing the TLS key log');
  server.on('keylog', (line) => file.write(line));
  return () => file.end();
}
