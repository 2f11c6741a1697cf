import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test-support/log.ts';
import { withTempDir } from '../../test-support/temp-dir.ts';
import { eventually, sleep } from '../../test-support/wait.ts';
import { WeightSource } from './weight-source.ts';
import { addressKey, parseWeightFile, WeightFileError, type WeightTable } from './weightfile.ts';

const key = (address: string) => addressKey(Uint8Array.from(address.split('.').map(Number)));

/** The table as plain data: domain -> [dotted address, weight] for IPv4 entries. */
function plain(table: WeightTable): Record<string, [string, number][]> {
  const dotted = (hex: string) => (hex.match(/../g) ?? []).map((byte) => parseInt(byte, 16)).join('.');
  return Object.fromEntries([...table].map(([domain, weights]) => [domain, [...weights].map(([address, weight]) => [dotted(address), weight])]));
}

describe('weight file', () => {
  it('reads domains and their address weights, skipping blank and comment lines', () => {
    const table = parseWeightFile(
      `
# domain 1
w1.example.org
192.168.1.15   10
192.168.1.14\t20

# domain 2, no weights
W2.Example.ORG.
 # domain 3
 w3.example.org
 192.168.2.16 11\r
 192.168.2.15 012
w1.example.org
192.168.1.13 255
192.168.1.15 30
`,
      'wfile',
    );
    expect(plain(table)).toEqual({
      'w1.example.org': [
        ['192.168.1.15', 10],
        ['192.168.1.14', 20],
        ['192.168.1.13', 255],
      ],
      'w2.example.org': [],
      'w3.example.org': [
        ['192.168.2.16', 11],
        ['192.168.2.15', 12],
      ],
    });
    expect(parseWeightFile('', 'empty').size).toBe(0);
  });

  it('compares IPv6 addresses by value, an IPv4-mapped one as its IPv4 address', () => {
    const table = parseWeightFile('v6.example.org\n2001:DB8::0:1 7\n::ffff:10.0.0.1 9\n', 'wfile');
    const weights = table.get('v6.example.org');
    const v6 = Buffer.from('20010db8000000000000000000000001', 'hex');
    expect(weights?.get(addressKey(v6))).toBe(7);
    expect(weights?.get(key('10.0.0.1'))).toBe(9);
    expect(addressKey(Buffer.from('00000000000000000000ffff0a000001', 'hex'))).toBe(key('10.0.0.1'));
  });

  it('refuses bad lines, naming the file and the line', () => {
    const failure = (text: string) => {
      try {
        parseWeightFile(text, '/etc/coredns/weights');
      } catch (error) {
        return error as WeightFileError;
      }
      throw new Error('parsed');
    };
    expect(failure('w1.example.org\n192.168.1.14\n192.168.1.15 20').message).toBe(
      '/etc/coredns/weights:2: wrong domain name "192.168.1.14" (maybe a missing weight value?)',
    );
    expect(failure('# no domain yet\n192.168.1.14 10\nw2.example.org').message).toMatch(/weights:2: missing domain name/);
    expect(failure('w1.example.org\n192.168.1.300 10').message).toMatch(/weights:2: wrong IP address "192.168.1.300"/);
    expect(failure('w1.example.org\nfe80::1%eth0 10').message).toMatch(/wrong IP address "fe80::1%eth0"/);
    expect(failure('w1.example.org\n\n192.168.1.14 300').message).toMatch(/weights:3: wrong weight value "300"/);
    expect(failure('w1.example.org\n192.168.1.14 0').message).toMatch(/wrong weight value "0"/);
    expect(failure('w1.example.org\n192.168.1.14 +1').message).toMatch(/wrong weight value "\+1"/);
    expect(failure('w1.example.org\n192.168.1.14 1 # inline comment').message).toMatch(/weights:2: could not parse weight line "192.168.1.14 1 # inline comment"/);
    expect(failure('w1.example.org\n10.0.0.1 1\n10.0.0.2 x')).toMatchObject({ path: '/etc/coredns/weights', line: 3 });
  });
});

describe('weight source', () => {
  const ONE = 'web.example.org\n10.0.0.1 5\n';
  const TWO = 'web.example.org\n10.0.0.2 7\n';
  const weightOf = (source: WeightSource, address: string) => source.table.get('web.example.org')?.get(key(address));

  it('picks up a changed file on reload, and reads an unchanged one without parsing it again', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'weights');
      await writeFile(path, ONE);
      const { logger, lines } = recordingLogger();
      const source = new WeightSource(path, logger);
      await source.load(30_000);
      expect([weightOf(source, '10.0.0.1'), source.generation]).toEqual([5, 1]);
      await source.reload();
      expect(source.generation).toBe(1);
      await writeFile(path, TWO);
      await source.reload();
      expect([weightOf(source, '10.0.0.1'), weightOf(source, '10.0.0.2'), source.generation]).toEqual([undefined, 7, 2]);
      expect(lines.filter((line) => line.msg === `Successfully reloaded weight file ${path}`)).toHaveLength(2);
    });
  });

  it('keeps the last good weights when the file turns bad or goes, logging the error (once for a bad file)', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'weights');
      await writeFile(path, ONE);
      const { logger, lines } = recordingLogger();
      const source = new WeightSource(path, logger);
      await source.load(30_000);
      await writeFile(path, 'web.example.org\n10.0.0.1 five\n');
      await source.reload();
      await source.reload();
      expect([weightOf(source, '10.0.0.1'), source.generation]).toEqual([5, 1]);
      const errors = lines.filter((line) => line.level === 50);
      expect(errors.map((line) => line.msg)).toEqual([`${path}:2: wrong weight value "five" (an integer from 1 to 255); keeping the weights read before`]);
      await rm(path);
      await source.reload();
      expect(weightOf(source, '10.0.0.1')).toBe(5);
      expect(lines.filter((line) => line.level === 50).at(-1)?.msg).toMatch(/weight file open error/);
      await writeFile(path, TWO);
      await source.reload();
      expect(weightOf(source, '10.0.0.2')).toBe(7);
    });
  });

  it('starts without a missing file when a reload may find it, and refuses to start otherwise or with a bad file', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'weights');
      const { logger, lines } = recordingLogger();
      const source = new WeightSource(path, logger);
      await source.load(10_000);
      expect(source.table.size).toBe(0);
      expect(lines.find((line) => line.level === 40)?.msg).toMatch(/weight file open error.*will try again in 10s/);
      await expect(new WeightSource(path, logger).load(0)).rejects.toThrow(/weight file open error/);
      await writeFile(path, 'web.example.org\n10.0.0.1 1 2\n');
      await expect(new WeightSource(path, logger).load(10_000)).rejects.toThrow(`${path}:2: could not parse weight line`);
    });
  });

  it('checks the file every interval until stopped', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'weights');
      await writeFile(path, ONE);
      const source = new WeightSource(path, recordingLogger().logger);
      await source.load(10);
      const stop = source.watch(10);
      await writeFile(path, TWO);
      await eventually(() => weightOf(source, '10.0.0.2') === 7, 'the changed weight file to be read');
      stop();
      await writeFile(path, ONE);
      // Many intervals: a running timer would have read the file again by now.
      await sleep(200);
      expect(weightOf(source, '10.0.0.2')).toBe(7);
    });
  });
});
