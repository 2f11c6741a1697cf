import dgram from 'node:dgram';
import net from 'node:net';

/**
 * An upstream on loopback that never answers: UDP datagrams are dropped, TCP connections are held
 * open until close(). Examples forward here so that starting them sends nothing off this host.
 */
export interface BlackHole {
  /** `127.0.0.1:PORT`, as a forward target. */
  readonly address: string;
  close(): Promise<void>;
}

const ATTEMPTS = 20;

export async function openBlackHole(): Promise<BlackHole> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const udp = dgram.createSocket('udp4');
    udp.on('message', () => {});
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    const port = udp.address().port;
    const held = new Set<net.Socket>();
    const tcp = net.createServer((socket) => {
      held.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => held.delete(socket));
      socket.resume();
    });
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!listening) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      continue;
    }
    return {
      address: `127.0.0.1:${port}`,
      close: async () => {
        for (const socket of held) socket.destroy();
        await Promise.all([
          new Promise<void>((resolve) => udp.close(() => resolve())),
          new Promise<void>((resolve) => tcp.close(() => resolve())),
        ]);
      },
    };
  }
  throw new Error('no loopback port free for both UDP and TCP');
}
