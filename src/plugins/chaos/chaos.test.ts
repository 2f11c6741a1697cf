import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import packageJson from '../../../package.json' with { type: 'json' };
import { RCode, RRClass, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { emptyReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import { directive } from '../../test-support/corefile.ts';
import { recordingLogger } from '../../test-support/log.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { setupContext } from '../../test-support/setup-context.ts';
import { chaosHandler } from './handler.ts';
import { chaosPlugin } from './index.ts';
import { parseChaos, trimText } from './parse.ts';

const parse = (text: string) => parseChaos(directive(text));

describe('chaos parse (CoreDNS TestSetupChaos)', () => {
  it('reads the version and the authors, deduplicated and sorted', () => {
    expect(parse('chaos v2')).toEqual({ version: 'v2', authors: ['clusterdns'] });
    expect(parse('chaos v3 "Miek Gieben"')).toEqual({ version: 'v3', authors: ['Miek Gieben'] });
    expect(parse('chaos v4 zed amy zed bob').authors).toEqual(['amy', 'bob', 'zed']);
  });

  it("answers clusterdns's own version by default", () => {
    expect(parse('chaos').version).toBe(`clusterdns-${packageJson.version}`);
  });

  it('cuts what it answers to 255 bytes, never inside a character', () => {
    expect(parse(`chaos ${'v'.repeat(300)}`).version).toHaveLength(255);
    expect(trimText(`${'a'.repeat(254)}é`)).toBe('a'.repeat(254));
    expect(Buffer.byteLength(trimText('é'.repeat(200)))).toBe(254);
  });

  it('names the line of a property, which it takes none of', () => {
    expect(() => parse('chaos v2 {\n    unknown\n}')).toThrow(/Corefile:3 .*chaos: unknown property 'unknown'/);
  });
});

describe('chaos handler (CoreDNS TestChaos)', () => {
  const passed: string[] = [];
  const handler = chaosHandler(parse('chaos CoreDNS-001 "Miek Gieben" ann'))((request) => {
    passed.push(`${request.query.name} ${request.query.type} ${request.query.class}`);
    return emptyReply(RCode.REFUSED);
  });

  async function ask(name: string, type: number = RRType.TXT, cls: number = RRClass.CH) {
    const query = queryFor(name, type, { class: cls });
    return decodeMessage(encodeResponse(query, await handler(requestFor(query)), 512));
  }
  const texts = (message: Awaited<ReturnType<typeof ask>>) => message.answer.map((record) => ('text' in record ? record.text.join('') : null));

  it('answers version.bind and version.server with the version: CH, TTL 0, not authoritative', async () => {
    for (const name of ['version.bind', 'version.server']) {
      const message = await ask(name);
      expect([message.rcode, message.authoritative, texts(message)]).toEqual([RCode.NOERROR, false, ['CoreDNS-001']]);
      expect(message.answer[0]).toMatchObject({ name, type: RRType.TXT, class: RRClass.CH, ttl: 0 });
    }
  });

  it('answers hostname.bind and id.server with the host name', async () => {
    expect(texts(await ask('hostname.bind'))).toEqual([hostname()]);
    expect(texts(await ask('id.server'))).toEqual([hostname()]);
  });

  it('answers authors.bind with every author, one record each', async () => {
    expect(texts(await ask('authors.bind')).sort()).toEqual(['Miek Gieben', 'ann']);
  });

  it('answers in the case the name was asked in', async () => {
    const query = queryFor('Version.BIND', RRType.TXT, { class: RRClass.CH });
    const response = encodeResponse(query, await handler(requestFor(query)), 512);
    expect(response.subarray(query.questionEnd).includes(Buffer.from('bind'))).toBe(false);
    expect(decodeMessage(response).answer).toHaveLength(1);
  });

  it('passes on other names, other types and other classes', async () => {
    passed.length = 0;
    for (const [name, type, cls] of [
      ['authors.bind', RRType.SRV, RRClass.CH],
      ['version.bind', RRType.TXT, RRClass.IN],
      ['other.bind', RRType.TXT, RRClass.CH],
    ] as const) {
      expect((await ask(name, type, cls)).rcode).toBe(RCode.REFUSED);
    }
    expect(passed).toEqual([`authors.bind ${RRType.SRV} ${RRClass.CH}`, `version.bind ${RRType.TXT} ${RRClass.IN}`, `other.bind ${RRType.TXT} ${RRClass.CH}`]);
  });
});

describe('chaos setup', () => {
  it("uses a block's first chaos line and warns about the others, as CoreDNS reads only the first", async () => {
    const { logger, lines } = recordingLogger('warn');
    const context = setupContext({ logger });
    expect((await chaosPlugin.setup(parse('chaos v1'), context)).handler).toBeDefined();
    expect((await chaosPlugin.setup(parse('chaos v2'), context)).handler).toBeUndefined();
    expect(lines.map((line) => line.msg)).toEqual(['only the first chaos line of a server block takes effect, as in CoreDNS: this one is ignored']);
  });
});
