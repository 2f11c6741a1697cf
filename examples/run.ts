/**
 * `npm start`: Kubernetes' Service tutorial on this host. Starts the three myapp pods of
 * examples/cluster.yaml as HTTP servers at their pod IPs, then clusterdns as a user runs it
 * (`bin/clusterdns.js`, the compiled server) on corefile-examples/self-contained/Corefile;
 * further arguments go to clusterdns. SIGINT or SIGTERM stops clusterdns as it always does,
 * then the backends.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createLogger } from '../src/log.ts';
import { HostnameBackend, MYAPP_BACKENDS } from './backend.ts';
import { canBindPortsBelow1024 } from './privileges.ts';

const ROOT = join(import.meta.dirname, '..');
const COREFILE = 'corefile-examples/self-contained/Corefile';

const args = process.argv.slice(2);
const logger = createLogger({ quiet: args.includes('-quiet') });

const backends = MYAPP_BACKENDS.map((spec) => new HostnameBackend(spec, logger));
const closeBackends = (): Promise<unknown> => Promise.all(backends.map((backend) => backend.close()));

const started = await Promise.allSettled(backends.map((backend) => backend.listen()));
const failed = started.filter((result) => result.status === 'rejected');
if (failed.length > 0) {
  for (const { reason } of failed) logger.error({ err: reason }, 'myapp backend failed to start (is the example already running?)');
  await closeBackends();
  process.exit(1);
}
logger.info({ backends: MYAPP_BACKENDS.map(({ name, address, port }) => `${name} ${address}:${port}`) }, 'myapp backends listening');
if (canBindPortsBelow1024() === false) {
  logger.warn(
    'service ports 80, 53 and 443 need root, CAP_NET_BIND_SERVICE or `sysctl net.ipv4.ip_unprivileged_port_start=53`: ' +
      'kubeproxy will not be able to listen on them (DNS on port 1053 works regardless)',
  );
}

// The Corefile names the manifests relative to the repository.
const server = spawn(process.execPath, [join(ROOT, 'bin', 'clusterdns.js'), '-conf', COREFILE, ...args], { cwd: ROOT, stdio: 'inherit' });
// Ctrl-C reaches both processes; a signal sent to this one alone is passed on. Either way the
// server hears SIGTERM at most once after SIGINT, which it treats as the same graceful stop.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill('SIGTERM'));
const status = await new Promise<number>((resolve) => {
  server.once('error', (error) => {
    logger.error({ err: error }, 'clusterdns failed to start');
    resolve(1);
  });
  server.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
});
await closeBackends();
process.exit(status);
