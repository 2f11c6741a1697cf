import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerPort, ProbeAction } from '../cluster/types.ts';
import { resolvePort, runProbe, type ProbeTarget } from './actions.ts';

const servers: (Server | HttpServer)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listening<T extends Server | HttpServer>(server: T, address = '127.0.0.7'): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen({ host: address, port: 0 }, resolve));
  return (server.address() as { port: number }).port;
}

function target(containerPorts: readonly ContainerPort[] = []): ProbeTarget {
  return { namespace: 'default', name: 'web-1', ip: '127.0.0.7', containerPorts };
}

function probe(action: ProbeAction, on = target(), timeoutMs = 1000) {
  return runProbe(action, on, timeoutMs, new AbortController().signal);
}

interface StatusControl {
  code: number;
  userAgent?: string | undefined;
}

/** An HTTP server answering with whatever status `status.code` holds, or never when it is 0. */
async function statusServer(status: StatusControl): Promise<number> {
  return listening(
    createHttpServer((request, response) => {
      status.userAgent = request.headers['user-agent'];
      if (status.code === 0) return;
      response.writeHead(status.code);
      response.end();
    }),
  );
}

describe('runProbe', () => {
  it('tcpSocket succeeds when the port accepts and fails when it refuses', async () => {
    const server = createServer((socket) => socket.destroy());
    const port = await listening(server);
    expect(await probe({ kind: 'tcpSocket', port })).toEqual({ success: true, detail: 'connected' });
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    expect(await probe({ kind: 'tcpSocket', port })).toEqual({ success: false, detail: 'ECONNREFUSED' });
  });

  it('httpGet succeeds on 2xx and 3xx, fails on other statuses and on no answer', async () => {
    const status: StatusControl = { code: 200 };
    const port = await statusServer(status);
    const get: ProbeAction = { kind: 'httpGet', port, path: '/healthz', scheme: 'HTTP' };
    expect(await probe(get)).toEqual({ success: true, detail: 'HTTP 200' });
    expect(status.userAgent).toBe('kube-probe/clusterdns');
    status.code = 302;
    expect((await probe(get)).success).toBe(true);
    status.code = 500;
    expect(await probe(get)).toEqual({ success: false, detail: 'HTTP 500' });
    status.code = 0;
    expect(await probe(get, target(), 200)).toEqual({ success: false, detail: 'no answer within 200 ms' });
  });

  it('resolves named ports from the container ports', async () => {
    const port = await statusServer({ code: 204 });
    const on = target([{ name: 'health', containerPort: port, protocol: 'TCP' }]);
    expect(await probe({ kind: 'httpGet', port: 'health', path: 'ready', scheme: 'HTTP' }, on)).toEqual({ success: true, detail: 'HTTP 204' });
    expect(await probe({ kind: 'tcpSocket', port: 'metrics' }, on)).toEqual({
      success: false,
      detail: "port 'metrics' not found in the pod's container ports",
    });
  });

  it('exec succeeds on exit 0, with the pod in its environment', async () => {
    expect(await probe({ kind: 'exec', command: ['sh', '-c', 'test "$POD_IP/$POD_NAMESPACE/$POD_NAME" = 127.0.0.7/default/web-1'] })).toEqual({
      success: true,
      detail: 'exit code 0',
    });
    expect(await probe({ kind: 'exec', command: ['sh', '-c', 'exit 3'] })).toEqual({ success: false, detail: 'exit code 3' });
    expect(await probe({ kind: 'exec', command: ['sleep', '5'] }, target(), 200)).toEqual({ success: false, detail: 'no exit within 200 ms' });
    expect((await probe({ kind: 'exec', command: [] })).success).toBe(false);
  });
});

describe('resolvePort', () => {
  it('takes numbers as they are, names from the pod, and numeric strings last', () => {
    const ports: ContainerPort[] = [{ name: 'http', containerPort: 8080, protocol: 'TCP' }];
    expect(resolvePort(80, ports)).toBe(80);
    expect(resolvePort('http', ports)).toBe(8080);
    expect(resolvePort('9090', ports)).toBe(9090);
    expect(resolvePort('grpc', ports)).toBeUndefined();
    expect(resolvePort('70000', ports)).toBeUndefined();
  });
});
