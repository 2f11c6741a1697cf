import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedTestPki } from '../test-support/pki.ts';
import { loadTlsMaterial, TlsMaterialError } from './tls.ts';

describe('loadTlsMaterial', () => {
  it('reads no files for no arguments, a CA for one, a pair for two and a pair with a CA for three', async () => {
    const pki = await sharedTestPki();
    expect(loadTlsMaterial([])).toEqual({ minVersion: 'TLSv1.2' });
    expect(loadTlsMaterial([pki.caPath]).ca?.toString()).toBe(pki.caPem);
    const pair = loadTlsMaterial([pki.serverCertPath, pki.serverKeyPath]);
    expect([pair.cert?.toString(), pair.key?.toString(), pair.ca]).toEqual([pki.serverCertPem, pki.serverKeyPem, undefined]);
    expect(loadTlsMaterial([pki.serverCertPath, pki.serverKeyPath, pki.caPath]).ca?.toString()).toBe(pki.caPem);
  });

  it('refuses a missing file, a key that is not the certificate\'s, text that is not PEM and a fourth argument', async () => {
    const pki = await sharedTestPki();
    const missing = join(pki.dir, 'missing.pem');
    expect(() => loadTlsMaterial([missing, pki.serverKeyPath])).toThrow(`could not load TLS cert: open ${missing}: no such file or directory`);
    expect(() => loadTlsMaterial([pki.serverCertPath, pki.clientKeyPath])).toThrow(/^could not load TLS cert: .*key values mismatch/);
    const garbage = join(pki.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    expect(() => loadTlsMaterial([garbage])).toThrow(TlsMaterialError);
    expect(() => loadTlsMaterial(['a', 'b', 'c', 'd'])).toThrow('maximum of three arguments allowed for TLS config, found 4');
  });
});
