import { describe, expect, it } from 'vitest';
import { RRType } from '../../dns/constants.ts';
import { directive } from '../../test-support/corefile.ts';
import { parseAcl } from './parse.ts';

describe('acl directive', () => {
  it('reads zones and each policy: action, types (or every type) and sources (or every address)', () => {
    const rule = parseAcl(directive('acl example.org {\n    block type A AAAA net 10.0.0.0/8 192.0.2.1 2001:db8::/32\n    filter type *\n    allow\n}'));
    expect(rule.zones).toEqual(['example.org']);
    const [block, filter, allow] = rule.policies;
    expect([...block!.qtypes!]).toEqual([RRType.A, RRType.AAAA]);
    expect(block!.sources!.check('10.1.2.3', 'ipv4')).toBe(true);
    expect(block!.sources!.check('192.0.2.1', 'ipv4')).toBe(true);
    expect(block!.sources!.check('192.0.2.2', 'ipv4')).toBe(false);
    expect(block!.sources!.check('2001:db8::5', 'ipv6')).toBe(true);
    expect([filter!.action, filter!.qtypes, filter!.sources]).toEqual(['filter', null, null]);
    expect([allow!.action, allow!.qtypes, allow!.sources]).toEqual(['allow', null, null]);
  });

  it('names the line of an unknown action, section, type or CIDR, and of an empty section', () => {
    const parse = (line: string) => () => parseAcl(directive(`acl {\n    ${line}\n}`));
    expect(parse('deny')).toThrow(/Corefile:3 - .*acl: unexpected token "deny"; expect 'allow', 'block', 'filter' or 'drop'/);
    expect(parse('block from 10.0.0.0/8')).toThrow(/unexpected token "from"; expect 'type \| net'/);
    expect(parse('block type NOPE')).toThrow(/unexpected token "NOPE"; expect legal QTYPE/);
    expect(parse('block net 10.0.0.0/33')).toThrow(/illegal CIDR notation "10.0.0.0\/33"/);
    expect(parse('block net')).toThrow(/no token specified in "net" section/);
  });
});
