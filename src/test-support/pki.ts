import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway PKI: a CA, a serving certificate for localhost, and a client certificate. */
export interface TestPki {
  readonly dir: string;
  readonly caPath: string;
  readonly caPem: string;
  readonly serverCertPath: string;
  readonly serverKeyPath: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly clientCertPath: string;
  readonly clientKeyPath: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function issue(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, extensions);
  await run('openssl', ['req', ...EC_KEY, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', subject]);
  await run('openssl', [
    'x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
    '-CAcreateserial', '-days', '2', '-out', join(dir, `${name}.crt`), '-extfile', extFile,
  ]);
}

/** Generates a fresh PKI with openssl into a new temporary directory. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterdns-test-pki-'));
  await run('openssl', [
    'req', '-x509', ...EC_KEY, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'),
    '-days', '2', '-subj', '/CN=clusterdns-test-ca',
  ]);
  await issue(dir, 'server', '/CN=localhost',
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await issue(dir, 'client', '/O=system:serviceaccounts/CN=system:serviceaccount:kube-system:coredns',
    'extendedKeyUsage=clientAuth\n');
  const [caPem, serverCertPem, serverKeyPem] = await Promise.all(
    ['ca.crt', 'server.crt', 'server.key'].map((file) => readFile(join(dir, file), 'utf8')),
  );
  return {
    dir,
    caPath: join(dir, 'ca.crt'),
    caPem: caPem as string,
    serverCertPath: join(dir, 'server.crt'),
    serverKeyPath: join(dir, 'server.key'),
    serverCertPem: serverCertPem as string,
    serverKeyPem: serverKeyPem as string,
    clientCertPath: join(dir, 'client.crt'),
    clientKeyPath: join(dir, 'client.key'),
  };
}

let shared: Promise<TestPki> | undefined;

/**
 * One PKI per process, shared by every TLS server a test file starts (generating one costs a few openssl
 * runs); removed when the process exits.
 */
export function sharedTestPki(): Promise<TestPki> {
  shared ??= createTestPki().then((pki) => {
    process.once('exit', () => rmSync(pki.dir, { recursive: true, force: true }));
    return pki;
  });
  return shared;
}
