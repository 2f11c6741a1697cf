import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** A certificate, key or CA file of a `tls` line could not be used; the message is CoreDNS's wording. */
export class TlsMaterialError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TlsMaterialError';
  }
}

/**
 * What a `tls` line's files hold, ready for node:tls. `ca`, when given, replaces the system's
 * roots for checking the other end, as Go's RootCAs/ClientCAs do.
 */
export interface TlsMaterial {
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly ca?: Buffer;
  readonly minVersion: 'TLSv1.2';
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message;
    throw new TlsMaterialError(`${what} ${path}: ${reason}`, { cause: error });
  }
}

function checked(material: TlsMaterial, failure: string): TlsMaterial {
  // node:tls skips CA text that holds no certificate where Go's AppendCertsFromPEM fails.
  if (material.ca !== undefined && !material.ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new TlsMaterialError(`${failure}: no PEM certificate found`);
  }
  try {
    createSecureContext(material as SecureContextOptions);
  } catch (error) {
    throw new TlsMaterialError(`${failure}: ${(error as Error).message}`, { cause: error });
  }
  return material;
}

/**
 * The TLS material of CoreDNS's `NewTLSConfigFromArgs`, read once at setup: no arguments (system
 * roots, no certificate), CA; CERT KEY (system roots); CERT KEY CA. Files that cannot be read or
 * do not hold PEM the TLS layer accepts are refused here rather than at the first handshake.
 */
export function loadTlsMaterial(paths: readonly string[]): TlsMaterial {
  switch (paths.length) {
    case 0:
      return { minVersion: 'TLSv1.2' };
    case 1:
      return checked({ ca: readPem(paths[0]!, 'error reading'), minVersion: 'TLSv1.2' }, 'could not read root certs');
    case 2:
    case 3: {
      const cert = readPem(paths[0]!, 'could not load TLS cert: open');
      const key = readPem(paths[1]!, 'could not load TLS cert: open');
      checked({ cert, key, minVersion: 'TLSv1.2' }, 'could not load TLS cert');
      if (paths.length === 2) return { cert, key, minVersion: 'TLSv1.2' };
      const ca = readPem(paths[2]!, 'error reading');
      return checked({ cert, key, ca, minVersion: 'TLSv1.2' }, 'could not read root certs');
    }
    default:
      throw new TlsMaterialError(`maximum of three arguments allowed for TLS config, found ${paths.length}`);
  }
}
