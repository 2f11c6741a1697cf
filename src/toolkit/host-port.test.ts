import { describe, expect, it } from 'vitest';
import { joinHostPort, parseListenAddress, splitHostPort } from './host-port.ts';

describe('joinHostPort and splitHostPort', () => {
  it('bracket IPv6 hosts and leave every interface empty, as Go does', () => {
    expect([joinHostPort('::1', 53), joinHostPort('10.0.0.1', 53), joinHostPort('', 53)]).toEqual(['[::1]:53', '10.0.0.1:53', ':53']);
    expect(splitHostPort('[fe80::1%eth0]:53')).toEqual({ host: 'fe80::1%eth0', port: '53' });
    expect(splitHostPort(':http')).toEqual({ host: '', port: 'http' });
  });

  it('refuses brackets out of place', () => {
    expect(() => splitHostPort('[::1]')).toThrow('address [::1]: missing port in address');
    expect(() => splitHostPort('a]b:53')).toThrow('address a]b:53: unexpected bracket in address');
  });
});

describe('parseListenAddress', () => {
  it('reads HOST:PORT as Go does', () => {
    expect(parseListenAddress(':8080')).toEqual({ host: '', port: 8080 });
    expect(parseListenAddress('localhost:9153')).toEqual({ host: 'localhost', port: 9153 });
    expect(parseListenAddress('[::1]:8181')).toEqual({ host: '::1', port: 8181 });
  });

  it('refuses what Go refuses, in its words', () => {
    expect(() => parseListenAddress('localhost')).toThrow('address localhost: missing port in address');
    expect(() => parseListenAddress('::1:80')).toThrow('address ::1:80: too many colons in address');
    expect(() => parseListenAddress('[::1:80')).toThrow("address [::1:80: missing ']' in address");
    expect(() => parseListenAddress('host:http')).toThrow('invalid port "http"');
    expect(() => parseListenAddress('host:70000')).toThrow('invalid port "70000"');
  });
});
