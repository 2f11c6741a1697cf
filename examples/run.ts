/**
 * `npm start`: Kubernetes' Service tutorial on this host. Starts the three myapp pods of
 * examples/cluster.yaml as HTTP servers at their pod IPs, then clusterdns, in this process, on
 * corefile-examples/self-contained/Corefile (further arguments go to clusterdns). SIGINT or
 * SIGTERM stops clusterdns as it always does, then the backends.
 */
import { join } from 'node:path';
import { createLogger } from '../src/log.ts';
import { runServerCommand } from '../src/server/run.ts';
import { HostnameBackend, MYAPP_BACKENDS } from './backend.ts';
import { canBindPortsBelow1024 } from './privileges.ts';

const ROOT = join(import.meta.dirname, '..');
const COREFILE = 'corefile-examples/self-contained/Corefile';

// The Corefile names the manifests relative to the repository.
process.chdir(ROOT);
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

const status = await runServerCommand(['-conf', COREFILE, ...args], {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
await closeBackends();
process.exit(status);
