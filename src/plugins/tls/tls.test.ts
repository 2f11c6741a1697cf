import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { sharedTestPki } from '../../test-support/pki.ts';
import { parseTls } from './parse.ts';

describe('tls', () => {
  it('reads CERT KEY [CA] and the client policy, the files at once', async () => {
    const pki = await sharedTestPki();
    const options = parseTls(directive(`tls ${pki.serverCertPath} ${pki.serverKeyPath} ${pki.caPath} {\n client_auth verify_if_given\n}`));
    expect([options.clientAuth, options.keylog, options.material.ca?.toString()]).toEqual(['verify_if_given', null, pki.caPem]);
    expect(parseTls(directive(`tls ${pki.serverCertPath} ${pki.serverKeyPath}`)).clientAuth).toBe('nocert');
  });

  it('refuses ACME, a wrong count, an unknown policy or option and unreadable files, naming the line', async () => {
    const pki = await sharedTestPki();
    const pair = `${pki.serverCertPath} ${pki.serverKeyPath}`;
    expect(() => parseTls(directive('tls {\n acme example.org\n}'))).toThrow(/Corefile:2 - Error during parsing: tls: certificates from ACME/);
    expect(() => parseTls(directive(`tls ${pki.serverCertPath}`))).toThrow(/Corefile:2/);
    expect(() => parseTls(directive(`tls ${pair} {\n client_auth sometimes\n}`))).toThrow(/Corefile:3 .*unknown authentication type 'sometimes'/);
    expect(() => parseTls(directive(`tls ${pair} {\n session_tickets off\n}`))).toThrow(/Corefile:3 .*unknown option 'session_tickets'/);
    expect(() => parseTls(directive(`tls ${pki.serverCertPath} ${pki.clientKeyPath}`))).toThrow(/Corefile:2 .*could not load TLS cert/);
  });
});
