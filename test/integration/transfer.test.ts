import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRType } from '../../src/dns/constants.ts';
import { encodeQuery } from '../../src/dns/query.ts';
import { dig } from '../../src/test-support/dig.ts';
import { startTestServer, type TestServer } from '../../src/test-support/server.ts';

const CLUSTER = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');

interface XfrRecord {
  readonly name: string;
  readonly type: string;
  readonly data: string;
}

/** `dig AXFR|IXFR=N` over TCP: the records it printed, and its summary line. */
async function transfer(port: number, zone: string, kind = 'AXFR'): Promise<{ records: XfrRecord[]; output: string }> {
  const { stdout } = await promisify(execFile)('dig', ['@127.0.0.1', '-p', String(port), zone, kind, '+time=5', '+tries=1'], { timeout: 15_000 });
  const records = stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(';'))
    .map((line) => {
      const [name, , , type, ...data] = line.split(/\s+/);
      return { name: name!, type: type!, data: data.join(' ') };
    });
  return { records, output: stdout };
}

/** What a UDP AXFR query gets: the RCODE. */
function udpRcode(port: number, zone: string): Promise<number> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer over UDP')), 5000);
    socket.once('message', (message) => {
      clearTimeout(timer);
      socket.close();
      resolve(message[3]! & 0x0f);
    });
    socket.send(encodeQuery(zone, RRType.AXFR), port, '127.0.0.1');
  });
}

describe('transfer: AXFR and IXFR of the kubernetes zone', () => {
  let server: TestServer;
  let refusing: TestServer;
  beforeAll(async () => {
    const kubernetes = `    kubernetes cluster.local in-addr.arpa ip6.arpa {\n        manifests ${CLUSTER}\n    }`;
    server = await startTestServer(`. {\n    transfer {\n        to *\n    }\n${kubernetes}\n}\n`);
    refusing = await startTestServer(`. {\n    transfer {\n        to 192.0.2.1 [2001:db8::1]:53\n    }\n${kubernetes}\n}\n`);
  });
  afterAll(async () => {
    await server?.stop();
    await refusing?.stop();
  });

  it("lists every record of the zone in CoreDNS's order, each of which dig can also ask for one by one", async () => {
    const { records, output } = await transfer(server.port, 'cluster.local');
    expect(output).toContain('XFR size');
    expect(records[0]!.type).toBe('SOA');
    expect(records.at(-1)).toEqual(records[0]);
    expect(records[1]).toMatchObject({ name: 'cluster.local.', type: 'NS' });
    // Services by name: database, frontend, kube-dns, kubernetes, myservice, myservice-lb, web.
    const services = [...new Set(records.filter((r) => /\.svc\.cluster\.local\.$/.test(r.name)).map((r) => r.name.split('.').slice(-6, -4).join('.')))];
    expect(services).toEqual(['database.default', 'frontend.shop', 'kube-dns.kube-system', 'kubernetes.default', 'myservice.default', 'myservice-lb.default', 'web.default']);
    expect(records).toContainEqual({ name: '_http._tcp.myservice.default.svc.cluster.local.', type: 'SRV', data: '0 100 80 myservice.default.svc.cluster.local.' });
    expect(records).toContainEqual({ name: 'web-0.web.default.svc.cluster.local.', type: 'A', data: '10.244.1.10' });
    expect(records).toContainEqual({ name: 'database.default.svc.cluster.local.', type: 'CNAME', data: 'db.prod.example.com.' });
    // An SRV's weight in a transfer is per EndpointSlice (xfr.go), in an answer over all the service's entries.
    const comparable = (r: XfrRecord) => `${r.name} ${r.type} ${r.type === 'SRV' ? r.data.split(' ').filter((_, i) => i !== 1).join(' ') : r.data}`;
    for (const record of records.slice(1, -1)) {
      const answered = await dig(record.name, { port: server.port, type: record.type });
      expect(answered.answer.map(comparable), `${record.name} ${record.type}`).toContain(comparable(record));
    }
  });

  it('answers IXFR at the current serial with the SOA alone, and an older one with the whole zone', async () => {
    const { records } = await transfer(server.port, 'cluster.local');
    const serial = Number(records[0]!.data.split(' ')[2]);
    expect((await transfer(server.port, 'cluster.local', `IXFR=${serial}`)).records.map((r) => r.type)).toEqual(['SOA']);
    expect((await transfer(server.port, 'cluster.local', `IXFR=${serial - 1}`)).records).toEqual(records);
  });

  it('refuses a transfer over UDP, and to a client `to` does not name', async () => {
    expect(await udpRcode(server.port, 'cluster.local')).toBe(5);
    expect((await transfer(refusing.port, 'cluster.local')).output).toContain('Transfer failed');
  });
});
