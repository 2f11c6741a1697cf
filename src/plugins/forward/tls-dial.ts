import { isIP } from 'node:net';
import { checkServerIdentity, connect, createSecureContext, getCACertificates, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import type { TlsMaterial } from '../../toolkit/tls.ts';
import type { UpstreamAddress } from './upstreams.ts';

/** The system's trusted roots, read once for the process: Go's crypto/tls uses them when no CA is given. */
let systemRoots: string[] | undefined;

/**
 * The TLS context of one forward's tls:// upstreams, built once at setup: the `tls` line's client
 * certificate and CA, or the system's roots (Go's, not node's bundled ones) when it names no CA.
 */
export function forwardTlsContext(material: TlsMaterial): SecureContext {
  const ca = material.ca ?? (systemRoots ??= getCACertificates('system'));
  return createSecureContext({ ...material, ca });
}

/**
 * Opens TLS connections to one upstream, as Go's tls.Dial does for CoreDNS: the certificate is
 * checked against the server name (`tls_servername`, or the `%NAME` of the argument), else
 * against the upstream's IP address; SNI carries the name, never an IP (RFC 6066). The last
 * session ticket is offered on the next connection, as CoreDNS's ClientSessionCache does.
 */
export class TlsDialer {
  private readonly context: SecureContext;
  private readonly servername: string | undefined;
  private readonly identity: string;
  private session: Buffer | undefined;

  constructor(context: SecureContext, upstream: UpstreamAddress, tlsServerName: string | null) {
    this.context = context;
    this.identity = tlsServerName ?? upstream.serverName ?? upstream.host;
    this.servername = isIP(this.identity) === 0 ? this.identity : undefined;
  }

  /**
   * Starts a connection; its 'secureConnect' says the handshake and the certificate check passed.
   * `alpn` names the application protocols to offer (`h2` for DNS over HTTPS).
   */
  connect(host: string, port: number, alpn?: readonly string[]): TLSSocket {
    const socket = connect({
      host,
      port,
      ...(alpn === undefined ? {} : { ALPNProtocols: [...alpn] }),
      secureContext: this.context,
      servername: this.servername,
      checkServerIdentity: (_host: string, certificate: PeerCertificate) => checkServerIdentity(this.identity, certificate),
      session: this.session,
    });
    socket.on('session', (session: Buffer) => void (this.session = session));
    return socket;
  }
}
