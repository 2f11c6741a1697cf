import { describe, expect, it } from 'vitest';
import { directive } from '../../test-support/corefile.ts';
import { parseTop } from './parse.ts';

const parse = (text: string) => parseTop(directive(text));

describe('top parse', () => {
  it('tracks 100 clients unless told, with the cluster domains taken from kubernetes', () => {
    expect(parse('top')).toEqual({ k: 100, clusterDomains: null });
    expect(parse('top 20')).toEqual({ k: 20, clusterDomains: null });
    expect(parse('top 5 {\n cluster_domain Cluster.Local. other.local\n}')).toEqual({ k: 5, clusterDomains: ['cluster.local', 'other.local'] });
  });

  it('refuses a K out of range or not a number, naming the line', () => {
    expect(() => parse('top 0')).toThrow('Corefile:2 - Error during parsing: top: 0 is out of range [1, 10000]');
    expect(() => parse('top 10001')).toThrow('top: 10001 is out of range [1, 10000]');
    expect(() => parse('top many')).toThrow("Corefile:2 - Error during parsing: top: 'many' is not an integer");
    expect(() => parse('top 1 2')).toThrow('Corefile:2 - Error during parsing: top: expected at most 1 argument, got 2');
  });

  it('refuses unknown properties, an empty or repeated cluster_domain, and what is no cluster domain', () => {
    expect(() => parse('top {\n fancy\n}')).toThrow("Corefile:3 - Error during parsing: top: unknown property 'fancy'");
    expect(() => parse('top {\n cluster_domain\n}')).toThrow('Corefile:3 - Error during parsing: cluster_domain: expected at least 1 argument, got 0');
    expect(() => parse('top {\n cluster_domain a.local\n cluster_domain b.local\n}')).toThrow('Corefile:4 - Error during parsing: top: cluster_domain given twice');
    expect(() => parse('top {\n cluster_domain .\n}')).toThrow("Corefile:3 - Error during parsing: top: '.' is not a cluster domain");
    expect(() => parse('top {\n cluster_domain 10.0.0.0/8\n}')).toThrow("top: '10.0.0.0/8' is not a cluster domain");
    expect(() => parse('top {\n cluster_domain a..b\n}')).toThrow('Corefile:3 - Error during parsing: top:');
    expect(() => parse('top {\n cluster_domain a.local {\n }\n}')).toThrow('Corefile:3');
  });
});
