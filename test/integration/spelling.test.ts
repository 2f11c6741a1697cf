import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../src/test-support/cli.ts';
import { dig, type DigRecord } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';

const CLUSTER = join(import.meta.dirname, '..', '..', 'examples', 'cluster.yaml');
/** Asked this many times each, from as many sockets, so that both threads answer some. */
const TIMES = 8;

const shape = (records: readonly DigRecord[]) => records.map((r) => `${r.name} ${r.type} ${r.type === 'SOA' ? r.data.split(' ').slice(0, 2).join(' ') : r.data}`);

/** What every one of TIMES digs of `name` got: the status and the sections' names and data (SOA serial left out). */
async function asked(name: string, port: number, type = 'A'): Promise<unknown[]> {
  const results = await Promise.all(Array.from({ length: TIMES }, () => dig(name, { port, type })));
  return [...new Set(results.map((r) => JSON.stringify([r.status, shape(r.answer), shape(r.authority), shape(r.additional)])))].map((s) => JSON.parse(s));
}

describe('a question spelled with capitals, answered as CoreDNS spells it back', () => {
  let dir: string;
  let run: CliRun;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-spelling-'));
    port = await freePort();
    writeFileSync(join(dir, 'Corefile'), `.:${port} {\n    kubernetes cluster.local {\n        manifests ${CLUSTER}\n    }\n}\n`);
    run = runCli(['-conf', 'Corefile', '-workers', '2'], { cwd: dir });
    await run.waitFor(`.:${port}`);
  });
  afterAll(async () => {
    run?.child.kill('SIGKILL');
    await run?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("echoes the zone as asked in a negative answer's SOA: owner, mname and rname", async () => {
    expect(await asked('not-a-service.testns.svc.ClUsTeR.lOcAl', port)).toEqual([
      ['NXDOMAIN', [], ['ClUsTeR.lOcAl. SOA ns.dns.ClUsTeR.lOcAl. hostmaster.ClUsTeR.lOcAl.'], []],
    ]);
  });

  it('spells the zone part of SRV targets and their addresses as asked, object labels lower-case', async () => {
    expect(await asked('_http._tcp.MyService.default.svc.ClUsTeR.lOcAl', port, 'SRV')).toEqual([
      [
        'NOERROR',
        ['_http._tcp.MyService.default.svc.ClUsTeR.lOcAl. SRV 0 100 80 myservice.default.svc.ClUsTeR.lOcAl.'],
        [],
        ['myservice.default.svc.ClUsTeR.lOcAl. A 127.10.0.80'],
      ],
    ]);
  });

  it('answers NS at an apex spelled with capitals with NODATA, as CoreDNS does, and NS at the lower-case one', async () => {
    expect(await asked('ClUsTeR.lOcAl', port, 'NS')).toEqual([['NOERROR', [], ['ClUsTeR.lOcAl. SOA ns.dns.ClUsTeR.lOcAl. hostmaster.ClUsTeR.lOcAl.'], []]]);
    const [lower] = (await asked('cluster.local', port, 'NS')) as [unknown[]];
    expect(lower.slice(0, 2)).toEqual(['NOERROR', ['cluster.local. NS ns.dns.cluster.local.']]);
  });

  it('echoes the question as asked in answers owned by it, capitals outside the zone included', async () => {
    expect(await asked('MyService.Default.svc.cluster.local', port)).toEqual([['NOERROR', ['MyService.Default.svc.cluster.local. A 127.10.0.80'], [], []]]);
    expect(await asked('ClUsTeR.lOcAl', port, 'SOA')).toEqual([['NOERROR', ['ClUsTeR.lOcAl. SOA ns.dns.ClUsTeR.lOcAl. hostmaster.ClUsTeR.lOcAl.'], [], []]]);
  });
});
