import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { parseDigOutput } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const COREFILE = `. {
    acl {
        allow net 127.0.0.2
        block type AAAA net 127.0.0.0/8
        filter type MX
        drop type TXT net 127.0.0.1
    }
    acl example.org {
        block
    }
    whoami
}
`;

describe('acl: who may ask what', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(COREFILE);
  });
  afterAll(async () => server?.stop());

  /** dig from `source` (a loopback address of its own), with its status and printed EDE. */
  async function ask(name: string, type: string, source = '127.0.0.1') {
    const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(server.port), '-b', source, name, type, '+time=5', '+tries=1'], { timeout: 10_000 });
    return { status: parseDigOutput(stdout).status, ede: /; EDE: (\d+)/.exec(stdout)?.[1] ?? null };
  }

  it('blocks with REFUSED and filters with an empty NOERROR, each with its Extended DNS Error', async () => {
    expect(await ask('a.test', 'AAAA')).toEqual({ status: 'REFUSED', ede: '15' });
    expect(await ask('a.test', 'MX')).toEqual({ status: 'NOERROR', ede: '17' });
  });

  it('lets an allowed client through before later policies, and lets through what no policy matches', async () => {
    expect(await ask('a.test', 'AAAA', '127.0.0.2')).toEqual({ status: 'NOERROR', ede: null });
    expect(await ask('a.test', 'A')).toEqual({ status: 'NOERROR', ede: null });
  });

  it("checks a later acl line's rule for its zones", async () => {
    expect(await ask('www.example.org', 'A')).toEqual({ status: 'REFUSED', ede: '15' });
  });

  it('drops: the client hears nothing', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const heard = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 1000);
      socket.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.send(encodeQuery('a.test', RRType.TXT), server.port, '127.0.0.1');
    });
    socket.close();
    expect(heard).toBe(false);
    // The server is still there for the next query.
    expect(await ask('a.test', 'A')).toEqual({ status: 'NOERROR', ede: null });
  });
});
