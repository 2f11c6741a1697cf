import { describe, expect, it } from 'vitest';
import { describeTlsError } from './errors.ts';

/** An error as node's TLS layer raises it: a code, and for a name mismatch the host and certificate. */
function tlsError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`node says ${code}`), { code }, extra);
}

const SANS = 'DNS:localhost, DNS:dns.example, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1';

describe('TLS failures in Go\'s words', () => {
  it('words a name mismatch as x509.HostnameError, for names and for IP addresses', () => {
    const mismatch = (host: string, subjectaltname: string) => describeTlsError(tlsError('ERR_TLS_CERT_ALTNAME_INVALID', { host, cert: { subjectaltname } }));
    expect(mismatch('wrong.example', SANS)).toBe('tls: failed to verify certificate: x509: certificate is valid for localhost, dns.example, not wrong.example');
    expect(mismatch('127.0.0.2', SANS)).toBe('tls: failed to verify certificate: x509: certificate is valid for 127.0.0.1, ::1, not 127.0.0.2');
    expect(mismatch('127.0.0.2', 'DNS:localhost')).toBe(
      "tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.2 because it doesn't contain any IP SANs",
    );
    expect(mismatch('wrong.example', 'IP Address:127.0.0.1')).toBe(
      'tls: failed to verify certificate: x509: certificate is not valid for any names, but wanted to match wrong.example',
    );
  });

  it('words chain failures, alerts and a plain-DNS peer as Go does', () => {
    expect(describeTlsError(tlsError('SELF_SIGNED_CERT_IN_CHAIN'))).toBe('tls: failed to verify certificate: x509: certificate signed by unknown authority');
    expect(describeTlsError(tlsError('CERT_HAS_EXPIRED'))).toBe('tls: failed to verify certificate: x509: certificate has expired or is not yet valid');
    expect(describeTlsError(tlsError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'))).toBe('remote error: tls: handshake failure');
    expect(describeTlsError(tlsError('ERR_SSL_WRONG_VERSION_NUMBER'))).toBe('tls: first record does not look like a TLS handshake');
  });

  it('leaves socket errors to the socket wording', () => {
    expect(describeTlsError(tlsError('ECONNREFUSED'))).toBeNull();
    expect(describeTlsError(new Error('no code'))).toBeNull();
  });
});
