import { describe, expect, it } from 'vitest';
import { RCode, RRType } from '../dns/constants.ts';
import { decodeMessage } from '../dns/message.ts';
import { encodeQuery } from '../dns/query.ts';
import { prepareReply } from '../dns/reply.ts';
import { silentLogger } from '../log.ts';
import { renderMetrics } from '../metrics/registry.ts';
import type { Handler } from '../toolkit/types.ts';
import { Dispatcher } from './dispatch.ts';
import { DEFAULT_FAIR_SHARE, FairShare } from './fair-share.ts';
import { PendingAnswers } from './pending.ts';

/** A FairShare whose busyness the test sets before each tick. */
function scripted(settings: Partial<typeof DEFAULT_FAIR_SHARE> = {}) {
  let busy = 0;
  const fairShare = new FairShare({ ...DEFAULT_FAIR_SHARE, ...settings }, silentLogger, () => busy);
  return {
    fairShare,
    tickAt(busyness: number): void {
      busy = busyness;
      fairShare.tick();
    },
    /** How many of `count` queries from `client` are admitted. */
    send(client: string, count: number): number {
      let admitted = 0;
      for (let i = 0; i < count; i++) if (fairShare.admits(client)) admitted++;
      return admitted;
    },
  };
}

describe('FairShare', () => {
  it('admits everything while the thread keeps up, however lopsided the clients', () => {
    const { tickAt, send } = scripted();
    for (let tick = 0; tick < 5; tick++) {
      expect(send('10.0.0.1', 5000)).toBe(5000);
      expect(send('10.0.0.2', 10)).toBe(10);
      tickAt(0.8);
    }
  });

  it('once saturated, holds the heaviest client to its max-min share, and never a light one', () => {
    const { tickAt, send } = scripted();
    tickAt(0.92); // busy: counting starts
    send('10.0.0.1', 9000); // the flooder
    for (const light of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) send(light, 100);
    // Saturated: capacity 9300 a tick, 80% of it handed out; the light clients' 300 first, the
    // flooder the 7140 left.
    tickAt(0.99);
    expect(send('10.0.0.1', 9000)).toBe(7140);
    for (const light of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) expect(send(light, 100)).toBe(100);
    // A client new to this tick is held only past the same level.
    expect(send('10.0.0.5', 500)).toBe(500);
  });

  it('lowers the capacity while still saturated, and lifts the shares after ticks well under it', () => {
    const { tickAt, send } = scripted({ calmTicks: 3 });
    tickAt(0.92);
    send('10.0.0.1', 8000);
    send('10.0.0.2', 2000);
    tickAt(0.99); // capacity 10000, 8000 handed out: 2000 to the light client, 6000 to the flooder
    expect(send('10.0.0.1', 12000)).toBe(6000);
    send('10.0.0.2', 100);
    tickAt(0.99); // still saturated: capacity 8000, 6400 handed out, 100 of it to the light client
    expect(send('10.0.0.1', 12000)).toBe(6300);
    send('10.0.0.2', 100);
    tickAt(0.5); // the flood's last tick counts as busy
    // The flood stops: three ticks under 70% of the capacity lift the shares.
    for (let tick = 0; tick < 3; tick++) {
      send('10.0.0.1', 10);
      send('10.0.0.2', 10);
      tickAt(0.5);
    }
    expect(send('10.0.0.1', 20000)).toBe(20000);
  });

  it('does nothing for one client alone: there is nobody to be fair to', () => {
    const { tickAt, send } = scripted();
    tickAt(0.92);
    send('10.0.0.1', 9000);
    tickAt(0.99);
    expect(send('10.0.0.1', 9000)).toBe(9000);
  });

  it('counts at most maxClients a tick, and admits the ones past it', () => {
    const { tickAt, send } = scripted({ maxClients: 2 });
    tickAt(0.92);
    send('10.0.0.1', 9000);
    send('10.0.0.2', 10);
    tickAt(0.99); // capacity 9010: 7208 handed out, 7198 of it to the flooder
    expect(send('10.0.0.1', 9000)).toBe(7198);
    expect(send('10.0.0.2', 10)).toBe(10);
    expect(send('10.0.0.3', 9000)).toBe(9000); // past the bound: not counted, so not held
  });
});

function drops(server: string): number {
  const line = renderMetrics(silentLogger)
    .split('\n')
    .find((text) => text.startsWith(`clusterdns_dns_fair_share_drops_total{server="${server}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('the dispatcher under a fair share', () => {
  it('drops a held UDP client before parsing its packet, counts it, and leaves TCP alone', () => {
    const server = 'dns://:5354';
    let busy = 0;
    const fairShare = new FairShare(DEFAULT_FAIR_SHARE, silentLogger, () => busy);
    const handler: Handler = (request) => prepareReply({ rcode: RCode.NOERROR, flags: 0, qname: request.query.name, sections: { answer: [], authority: [], additional: [] } });
    const dispatcher = new Dispatcher({
      server,
      routing: { routes: [{ zone: '', handler }], acceptAnyClass: false, pending: new PendingAnswers() },
      logger: silentLogger,
      fairShare,
    });
    const from = (remoteAddress: string, transport: 'udp' | 'tcp') => ({ transport, remoteAddress, remotePort: 5000, localAddress: '::', localPort: 53 });
    const query = encodeQuery('a.example', RRType.A);
    const ask = (client: string, transport: 'udp' | 'tcp' = 'udp') => dispatcher.dispatch(query, from(client, transport));
    busy = 0.92;
    fairShare.tick();
    for (let i = 0; i < 1000; i++) ask('192.0.2.1');
    ask('192.0.2.2');
    busy = 0.99;
    fairShare.tick(); // capacity 1001: 800 handed out, 799 of it to the flooder
    const before = drops(server);
    const answered = Array.from({ length: 1000 }, () => ask('192.0.2.1')).filter((result) => result !== null).length;
    expect(answered).toBe(799);
    expect(drops(server) - before).toBe(201);
    expect(decodeMessage(ask('192.0.2.2') as Buffer).rcode).toBe(RCode.NOERROR);
    // Over TCP a client's own connection paces it; it is answered.
    expect(decodeMessage(ask('192.0.2.1', 'tcp') as Buffer).rcode).toBe(RCode.NOERROR);
    // A packet that would not parse is dropped just the same: it is not read at all.
    expect(dispatcher.dispatch(Buffer.from([1, 2, 3]), from('192.0.2.1', 'udp'))).toBeNull();
  });
});
