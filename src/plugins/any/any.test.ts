import { describe, expect, it } from 'vitest';
import { RCode, RRClass, RRType } from '../../dns/constants.ts';
import { decodeMessage } from '../../dns/message.ts';
import { emptyReply } from '../../dns/reply.ts';
import { encodeResponse } from '../../dns/response.ts';
import { directive } from '../../test-support/corefile.ts';
import { queryFor, requestFor } from '../../test-support/request.ts';
import { anyHandler } from './handler.ts';
import { parseAny } from './parse.ts';

describe('any parse', () => {
  it('takes no arguments and no properties', () => {
    expect(parseAny(directive('any'))).toBeNull();
    expect(() => parseAny(directive('any extra'))).toThrow(/Corefile:2/);
    expect(() => parseAny(directive('any {\n foo\n}'))).toThrow(/Corefile:3 .*unknown property 'foo'/);
  });
});

describe('any', () => {
  let passed = 0;
  const handler = anyHandler(() => {
    passed++;
    return emptyReply(RCode.REFUSED);
  });

  it('answers ANY with the RFC 8482 HINFO, in the asker case', async () => {
    const query = queryFor('Example.ORG', RRType.ANY);
    const response = encodeResponse(query, await handler(requestFor(query)), 512);
    const message = decodeMessage(response);
    expect(message).toMatchObject({ rcode: RCode.NOERROR, authoritative: false, authority: [], additional: [] });
    expect(message.answer).toEqual([
      { name: 'example.org', type: RRType.HINFO, class: RRClass.IN, ttl: 8482, cpu: 'ANY obsoleted', os: 'See RFC 8482' },
    ]);
    expect(response.includes(Buffer.from('Example'))).toBe(true);
    expect(passed).toBe(0);
  });

  it('passes other types on', async () => {
    const query = queryFor('example.org', RRType.A);
    expect((await handler(requestFor(query))).rcode).toBe(RCode.REFUSED);
    expect(passed).toBe(1);
  });
});
