import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * A port free for both TCP and UDP on `address` right now (`::`, every address, unless told), for
 * servers a test cannot start on port 0: the CLI, as CoreDNS's, and service ports of the proxy.
 */
export async function freePort(address = '::'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = createServer();
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ host: address, port: 0 }, resolve);
    });
    const port = (tcp.address() as { port: number }).port;
    const udp = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const free = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind({ address, port }, () => resolve(true));
    });
    if (free) await new Promise<void>((resolve) => udp.close(() => resolve()));
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (free) return port;
  }
  throw new Error(`no free port on ${address}`);
}
