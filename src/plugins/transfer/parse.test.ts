import { describe, expect, it } from 'vitest';
import { CorefileError } from '../../corefile/types.ts';
import { directive } from '../../test-support/corefile.ts';
import { parseTransfer } from './parse.ts';

describe('transfer directive', () => {
  it('takes zones, and every `to` address, with or without a port', () => {
    const options = parseTransfer(directive('transfer cluster.local {\n    to 10.0.0.1 [2001:db8::1]:53\n    to 192.0.2.7:5300\n    source 10.0.0.9\n}'));
    expect(options).toEqual({ zones: ['cluster.local'], to: ['10.0.0.1', '2001:db8::1', '192.0.2.7'] });
    expect(parseTransfer(directive('transfer {\n    to *\n}'))).toEqual({ zones: null, to: ['*'] });
  });

  it('names the file and line of a bad address, an empty `to` and an unknown property', () => {
    const parse = (text: string) => () => parseTransfer(directive(text));
    expect(parse('transfer {\n    to example.org\n}')).toThrow(CorefileError);
    expect(parse('transfer {\n    to example.org\n}')).toThrow(/Corefile:3 - Error during parsing: transfer: not an IP address or IP:port: example.org/);
    expect(parse('transfer {\n    to\n}')).toThrow(/Corefile:3 - .*Wrong argument count/);
    expect(parse('transfer {\n    notify 10.0.0.1\n}')).toThrow(/Corefile:3 - .*unknown property 'notify'/);
  });
});
