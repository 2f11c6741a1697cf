import { describe, expect, it } from 'vitest';
import {
  className,
  classFromName,
  ExtendedRCode,
  RCode,
  rcodeFromName,
  rcodeMnemonic,
  rcodeName,
  RRClass,
  RRType,
  typeFromName,
  typeName,
} from './constants.ts';

describe('type and class mnemonics', () => {
  it('name the types the server models and the ones only miekg/dns knows', () => {
    expect([RRType.A, RRType.SRV, RRType.OPT, 43, 65, 257, 32769].map(typeName)).toEqual(['A', 'SRV', 'OPT', 'DS', 'HTTPS', 'CAA', 'DLV']);
    expect([0, 23, 65535].map(typeName)).toEqual(['None', 'NSAP-PTR', 'Reserved']);
    expect(typeName(65280)).toBe('TYPE65280');
  });

  it('read type names in any case, except the two miekg writes in mixed case', () => {
    expect(['aaaa', 'Https', 'nsap-ptr', 'caa'].map(typeFromName)).toEqual([RRType.AAAA, 65, 23, 257]);
    expect(['none', 'None', 'reserved', 'TYPE1', 'bogus'].map(typeFromName)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('name and read classes', () => {
    expect([RRClass.IN, 2, RRClass.CH, 4, RRClass.NONE, RRClass.ANY, 7].map(className)).toEqual(['IN', 'CS', 'CH', 'HS', 'NONE', 'ANY', 'CLASS7']);
    expect(['in', 'hs', 'Chaos'].map(classFromName)).toEqual([RRClass.IN, 4, undefined]);
  });
});

describe('RCODE mnemonics', () => {
  it("are miekg's RcodeToString, in which 16 is BADSIG", () => {
    expect([RCode.NOERROR, RCode.NOTIMP, 6, 11, 16, 23].map(rcodeMnemonic)).toEqual(['NOERROR', 'NOTIMP', 'YXDOMAIN', 'DSOTYPENI', 'BADSIG', 'BADCOOKIE']);
    expect([12, 15, 24].map(rcodeMnemonic)).toEqual([undefined, undefined, undefined]);
  });

  it('name 16 BADVERS for people, as this server sends it, and number the unnamed', () => {
    expect(rcodeName(ExtendedRCode.BADVERS)).toBe('BADVERS');
    expect([RCode.NXDOMAIN, 9, 17, 99].map(rcodeName)).toEqual(['NXDOMAIN', 'NOTAUTH', 'BADKEY', 'RCODE99']);
  });

  it('read names in any case, with NOTIMPL and BADVERS as well', () => {
    expect(['servfail', 'NotImpl', 'notimp', 'badvers', 'BADSIG', 'dsotypeni'].map(rcodeFromName)).toEqual([2, 4, 4, 16, 16, 11]);
    expect(['RCODE3', 'bogus'].map(rcodeFromName)).toEqual([undefined, undefined]);
  });
});
