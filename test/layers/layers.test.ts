import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importProblem, isTestCode, layerViolations, testImportProblem } from './rules.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the layers of src/', () => {
  it('hold: no import runs up or sideways, no plugin imports another plugin or the server', () => {
    const found = layerViolations(root).map(({ file, specifier, problem }) => `${file} imports '${specifier}': ${problem}`);
    expect(found).toEqual([]);
  });
});

describe('importProblem', () => {
  it('lets a file import its own unit and the units of lower layers', () => {
    expect(importProblem('src/server/chain.ts', './config.ts')).toBeNull();
    expect(importProblem('src/server/chain.ts', '../toolkit/types.ts')).toBeNull();
    expect(importProblem('src/plugins/cache/handler.ts', '../../dns/names.ts')).toBeNull();
    expect(importProblem('src/plugins/kubernetes/handler.ts', './zones.ts')).toBeNull();
    expect(importProblem('src/toolkit/offers.ts', '../cluster/types.ts')).toBeNull();
    expect(importProblem('src/cli.ts', './server/run.ts')).toBeNull();
  });

  it('refuses an import up the layers', () => {
    expect(importProblem('src/plugins/cache/handler.ts', '../../server/request.ts')).toBe('runs up the layers, from src/plugins/ to src/server/');
    expect(importProblem('src/metrics/endpoints.ts', '../server/errors.ts')).toBe('runs up the layers, from src/metrics/ to src/server/');
    expect(importProblem('src/dns/names.ts', '../toolkit/zones.ts')).toBe('runs up the layers, from src/dns/ to src/toolkit/');
  });

  it('refuses an import sideways, between two units of one layer', () => {
    expect(importProblem('src/corefile/address.ts', '../cluster/types.ts')).toBe('runs sideways within a layer, from src/corefile/ to src/cluster/');
  });

  it("refuses a plugin importing another plugin's files, and anything but the plugin list reaching into plugins", () => {
    expect(importProblem('src/plugins/autopath/handler.ts', '../kubernetes/zones.ts')).toBe('a plugin imports another plugin');
    expect(importProblem('src/plugins/index.ts', './cache/index.ts')).toBeNull();
    expect(importProblem('src/server/run.ts', '../plugins/index.ts')).toBeNull();
    expect(importProblem('src/server/chain.ts', '../plugins/bind/index.ts')).toBe('only src/plugins/index.ts is a way into the plugins');
  });

  it('refuses source code importing test code, and a file in no layer', () => {
    expect(importProblem('src/plugins/cache/handler.ts', '../../../test/watch/harness.ts')).toBe('source code imports test code');
    expect(importProblem('src/extra/thing.ts', '../dns/names.ts')).toBe('src/extra/thing.ts is in no layer: place it in LAYERS');
  });

  it('passes packages and files outside src/ that are no tests', () => {
    expect(importProblem('src/server/version.ts', '../../package.json')).toBeNull();
    expect(importProblem('src/server/run.ts', 'node:fs')).toBeNull();
    expect(importProblem('src/log.ts', 'pino')).toBeNull();
  });

  it('reads layers it is given', () => {
    const flipped = [['src/server/'], ['src/plugins/']];
    expect(importProblem('src/server/run.ts', '../plugins/index.ts', flipped)).toBe('runs up the layers, from src/server/ to src/plugins/');
  });
});

describe('testImportProblem', () => {
  it('lets tests under src/ import any of src/, and nothing of test/', () => {
    expect(testImportProblem('src/plugins/cache/cache.test.ts', '../../server/chain.ts')).toBeNull();
    expect(testImportProblem('src/plugins/cache/cache.test.ts', '../../test-support/request.ts')).toBeNull();
    expect(testImportProblem('src/test-support/server.ts', 'node:fs')).toBeNull();
    expect(testImportProblem('src/plugins/cache/cache.test.ts', '../../../test/watch/harness.ts')).toBe(
      'a test under src/ imports test/: shared test support lives in src/test-support/',
    );
  });
});

describe('isTestCode', () => {
  it('knows tests and their helpers by name', () => {
    expect(['src/dns/names.test.ts', 'src/test-support/cache.ts', 'src/test-support/request.ts'].map(isTestCode)).toEqual([true, true, true]);
    expect(['src/dns/names.ts', 'src/toolkit/request.ts', 'src/cluster/kube/protobuf/testing.ts'].map(isTestCode)).toEqual([false, false, false]);
  });
});
