import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseCache } from './parse.ts';
import { effectiveCapacity } from './store.ts';

const parse = (text: string) => parseCache(directive(text));

describe('cache parse', () => {
  it('has CoreDNS defaults', () => {
    expect(parse('cache')).toEqual({
      zones: [],
      success: { capacity: 10000, maxTtl: 3600, minTtl: 5 },
      denial: { capacity: 10000, maxTtl: 1800, minTtl: 5 },
      servfailTtl: 5,
      prefetch: { amount: 0, windowMs: 60_000, percentage: 10 },
      serveStale: { upToMs: 0, verify: false, verifyTimeoutMs: 0, responseTtl: 0, failureRecheckMs: 0 },
      preferPositive: false,
      disabledSuccess: [],
      disabledDenial: [],
      keepTtl: false,
    });
    expect(parse('cache {\n}').success.maxTtl).toBe(3600);
  });

  it('reads a leading integer as the TTL of both caches, the rest as zones', () => {
    const options = parse('cache 30 Example.NL. 10.0.0.0/8');
    expect(options.success.maxTtl).toBe(30);
    expect(options.denial.maxTtl).toBe(30);
    expect(options.zones).toEqual(['example.nl', '10.in-addr.arpa']);
    expect(parse('cache aaa example.nl').zones).toEqual(['aaa', 'example.nl']);
  });

  it('refuses a zero or negative TTL, naming the line', () => {
    expect(() => parse('cache 0 example.nl')).toThrow(/Corefile:2 .*cache TTL can not be zero or negative: 0/);
    expect(() => parse('cache -1')).toThrow(/zero or negative: -1/);
  });

  it('reads success and denial as CAPACITY [TTL] [MINTTL], overriding the directive TTL', () => {
    const options = parse('cache 25 example.nl {\n success 10 1800 30\n denial 20 15 2\n}');
    expect(options.success).toEqual({ capacity: 10, maxTtl: 1800, minTtl: 30 });
    expect(options.denial).toEqual({ capacity: 20, maxTtl: 15, minTtl: 2 });
    expect(parse('cache 25 {\n denial 10\n}').denial).toEqual({ capacity: 10, maxTtl: 25, minTtl: 5 });
  });

  it('refuses bad success and denial lines', () => {
    expect(() => parse('cache {\n success\n}')).toThrow(/Corefile:3/);
    expect(() => parse('cache {\n denial aaa\n}')).toThrow(/'aaa' is not an integer/);
    expect(() => parse('cache {\n success 10 0\n}')).toThrow(/zero or negative/);
    expect(() => parse('cache {\n success 10 20 -1\n}')).toThrow(/min TTL can not be negative: -1/);
    expect(() => parse('cache {\n positive 15\n}')).toThrow(/Corefile:3 .*unknown property 'positive'/);
  });

  it('rounds capacities to whole shards as CoreDNS does', () => {
    expect(effectiveCapacity(10000)).toBe(9984);
    expect(effectiveCapacity(1000)).toBe(1024);
    expect(effectiveCapacity(10)).toBe(1024);
    expect(effectiveCapacity(-5)).toBe(1024);
    expect(effectiveCapacity(2600)).toBe(2560);
  });

  it('reads prefetch AMOUNT [DURATION] [PERCENTAGE%]', () => {
    expect(parse('cache {\n prefetch 10\n}').prefetch).toEqual({ amount: 10, windowMs: 60_000, percentage: 10 });
    expect(parse('cache {\n prefetch 2 10m 50%\n}').prefetch).toEqual({ amount: 2, windowMs: 600_000, percentage: 50 });
    expect(() => parse('cache {\n prefetch -1\n}')).toThrow(/prefetch amount should be positive: -1/);
    expect(() => parse('cache {\n prefetch 0 blurp\n}')).toThrow(/invalid duration 'blurp'/);
    expect(() => parse('cache {\n prefetch 2 1m 50\n}')).toThrow(/last character of percentage should be `%`/);
    expect(() => parse('cache {\n prefetch 2 1m 5%\n}')).toThrow(/range \[10, 90\]: 5/);
    expect(() => parse('cache {\n prefetch\n}')).toThrow(/Corefile:3/);
    expect(() => parse('cache {\n prefetch 1 1m 10% x\n}')).toThrow(/Corefile:3/);
  });

  it('reads serve_stale with its refresh modes, timeout, response TTL and failure recheck', () => {
    const stale = (args: string) => parse(`cache {\n serve_stale ${args}\n}`).serveStale;
    expect(stale('')).toEqual({ upToMs: 3_600_000, verify: false, verifyTimeoutMs: 0, responseTtl: 0, failureRecheckMs: 0 });
    expect(stale('20m').upToMs).toBe(1_200_000);
    expect(stale('0 VERIFY').verify).toBe(true);
    expect(stale('1h immediate 30s 30s')).toEqual({
      upToMs: 3_600_000,
      verify: false,
      verifyTimeoutMs: 0,
      responseTtl: 30,
      failureRecheckMs: 30_000,
    });
    expect(stale('1h verify 100ms 30s 1m')).toEqual({
      upToMs: 3_600_000,
      verify: true,
      verifyTimeoutMs: 100,
      responseTtl: 30,
      failureRecheckMs: 60_000,
    });
    expect(stale('1h verify 0 1m').responseTtl).toBe(60);
  });

  it('refuses bad serve_stale lines', () => {
    const stale = (args: string) => () => parse(`cache {\n serve_stale ${args}\n}`);
    expect(stale('20')).toThrow(/missing unit/);
    expect(stale('-20m')).toThrow(/must not be negative/);
    expect(stale('1m nono')).toThrow(/invalid value for serve_stale refresh mode: nono/);
    expect(stale('1h immediate 1500ms')).toThrow(/whole number of seconds/);
    expect(stale('1h immediate 30s 6m')).toThrow(/cannot exceed 5 minutes/);
    expect(stale('1h immediate 30s 30s 1s')).toThrow(/Corefile:3/);
    expect(stale('1h verify 1s 30s 30s 1s')).toThrow(/Corefile:3/);
  });

  it('reads serve_stale_policy prefer_positive, only with serve_stale and once', () => {
    expect(parse('cache {\n serve_stale\n serve_stale_policy PREFER_POSITIVE\n}').preferPositive).toBe(true);
    expect(() => parse('cache {\n serve_stale_policy prefer_positive\n}')).toThrow(/requires serve_stale/);
    expect(() => parse('cache {\n serve_stale\n serve_stale_policy prefer_negative\n}')).toThrow(/invalid serve_stale_policy/);
    expect(() => parse('cache {\n serve_stale\n serve_stale_policy prefer_positive\n serve_stale_policy prefer_positive\n}')).toThrow(
      /Corefile:5 .*only be specified once/,
    );
  });

  it('reads servfail DURATION up to five minutes', () => {
    expect(parse('cache {\n servfail 10s\n}').servfailTtl).toBe(10);
    expect(parse('cache {\n servfail 0\n}').servfailTtl).toBe(0);
    expect(() => parse('cache {\n servfail 6m\n}')).toThrow(/over 5 minutes is not permitted/);
    expect(() => parse('cache {\n servfail -1s\n}')).toThrow(/negative/);
    expect(() => parse('cache {\n servfail\n}')).toThrow(/Corefile:3/);
  });

  it('reads disable success|denial [ZONES...], every zone without zones', () => {
    const options = parse('cache 30 {\n disable success Cluster.Local.\n disable denial\n}');
    expect(options.disabledSuccess).toEqual(['cluster.local']);
    expect(options.disabledDenial).toEqual(['']);
    expect(() => parse('cache {\n disable both\n}')).toThrow(/must be "success" or "denial"/);
    expect(() => parse('cache {\n disable\n}')).toThrow(/Corefile:3/);
  });

  it('reads keepttl without arguments', () => {
    expect(parse('cache {\n keepttl\n}').keepTtl).toBe(true);
    expect(() => parse('cache {\n keepttl 1\n}')).toThrow(/Corefile:3/);
  });

  it('parses the kubeadm default cache directive', () => {
    const options = parse('cache 30 {\n disable success cluster.local\n disable denial cluster.local\n}');
    expect(options).toMatchObject({ success: { maxTtl: 30 }, denial: { maxTtl: 30 }, disabledSuccess: ['cluster.local'], disabledDenial: ['cluster.local'] });
  });
});
