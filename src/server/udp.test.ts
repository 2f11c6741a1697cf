import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import type { Dispatcher } from './dispatch.ts';
import { UdpListener } from './udp.ts';

describe('UdpListener', () => {
  it('answers what arrived between its bind and serve(), as a worker joining a reuseport group gets queries at once', async () => {
    const listener = await UdpListener.open('127.0.0.1', 0, silentLogger);
    const client = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
    const answered = new Promise<string>((resolve) => client.once('message', (message) => resolve(message.toString())));
    await new Promise<void>((resolve) => client.send('early', listener.port, '127.0.0.1', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const echo = { dispatch: (packet: Buffer) => Buffer.from(`answer to ${packet.toString()}`) } as unknown as Dispatcher;
    listener.serve(echo);
    expect(await answered).toBe('answer to early');
    client.close();
    await listener.close();
  });
});
