import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import { recordingLogger } from '../../test-support/log.ts';
import { eventually } from '../../test-support/wait.ts';
import { createClusterStore } from '../store.ts';
import type { ClusterState, ClusterWriter } from '../types.ts';
import { ManifestError } from './errors.ts';
import { ManifestSource } from './source.ts';

function serviceYaml(name: string, clusterIP: string): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  clusterIP: ${clusterIP}\n  ports:\n    - port: 80\n`;
}

/** Counts what a source writes, for checks the real store cannot show (no replace at all). */
class RecordingWriter implements ClusterWriter {
  readonly replaced: Partial<ClusterState>[] = [];
  synced = false;
  replace(state: Partial<ClusterState>): void {
    this.replaced.push(state);
  }
  upsert(): void {
    throw new Error('manifests only replace');
  }
  remove(): void {
    throw new Error('manifests only replace');
  }
  markSynced(): void {
    this.synced = true;
  }
}

const sources: ManifestSource[] = [];
const dirs: string[] = [];

function track(source: ManifestSource): ManifestSource {
  sources.push(source);
  return source;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterdns-source-'));
  dirs.push(dir);
  return dir;
}

// Sources stop before their directories go, so no watcher sees the removal.
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('ManifestSource', () => {
  it('loads everything on start, replaces the store and marks it synced', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), serviceYaml('alpha', '10.96.0.10'));
    await writeFile(join(dir, 'b.yaml'), serviceYaml('beta', '10.96.0.11'));
    const store = createClusterStore();
    await track(new ManifestSource({ paths: [dir], logger: silentLogger, watch: false })).start(store);
    expect(store.synced).toBe(true);
    expect([...store.services()].map((s) => s.name).sort()).toEqual(['alpha', 'beta']);
    expect(store.servicesByClusterIP('10.96.0.11')[0]?.name).toBe('beta');
  });

  it('refuses to start on a bad file, naming it', async () => {
    const dir = await tempDir();
    const file = join(dir, 'bad.yaml');
    await writeFile(file, `${serviceYaml('ok', '10.96.0.10')}---\nkind: [\n`);
    const writer = new RecordingWriter();
    const error = await new ManifestSource({ paths: [file], logger: silentLogger, watch: false }).start(writer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect(error).toMatchObject({ file, document: 2 });
    expect(writer.replaced).toHaveLength(0);
    expect(writer.synced).toBe(false);
  });

  it('passes each loaded state through the transform', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), serviceYaml('alpha', '10.96.0.10'));
    const writer = new RecordingWriter();
    const transform = (state: ClusterState): ClusterState => ({ ...state, services: state.services.map((s) => ({ ...s, labels: { seen: 'yes' } })) });
    await track(new ManifestSource({ paths: [dir], logger: silentLogger, watch: false, transform })).start(writer);
    expect(writer.replaced[0]?.services?.[0]?.labels).toEqual({ seen: 'yes' });
  });

  for (const polling of [false, true]) {
    describe(polling ? 'polling' : 'fs.watch', () => {
      it('applies a live edit, keeps the last good state through a bad one, and recovers', async () => {
        const dir = await tempDir();
        const file = join(dir, 'cluster.yaml');
        await writeFile(file, serviceYaml('web', '10.96.0.10'));
        const store = createClusterStore();
        const { logger, lines } = recordingLogger();
        await track(new ManifestSource({ paths: [file], logger, polling })).start(store);

        await writeFile(file, serviceYaml('web', '10.96.0.20'));
        await eventually(() => store.service('default', 'web')?.clusterIPs[0] === '10.96.0.20', 'the edit');

        await writeFile(file, serviceYaml('web', '10.96.0.999'));
        await eventually(() => lines.some((line) => line.level === 50), 'the reload error');
        const failure = lines.find((line) => line.level === 50);
        expect(failure?.msg).toContain(file);
        expect(store.service('default', 'web')?.clusterIPs).toEqual(['10.96.0.20']);

        await writeFile(file, serviceYaml('web', '10.96.0.30'));
        await eventually(() => store.service('default', 'web')?.clusterIPs[0] === '10.96.0.30', 'the fix');
        if (!polling) expect(lines.filter((line) => line.msg.includes('polling'))).toEqual([]);
      });

      it('sees a file replaced by rename and new files in a watched directory', async () => {
        const dir = await tempDir();
        await writeFile(join(dir, 'a.yaml'), serviceYaml('alpha', '10.96.0.10'));
        const store = createClusterStore();
        await track(new ManifestSource({ paths: [dir], logger: silentLogger, polling })).start(store);

        await writeFile(join(dir, '.a.yaml.tmp'), serviceYaml('alpha', '10.96.0.40'));
        await rename(join(dir, '.a.yaml.tmp'), join(dir, 'a.yaml'));
        await eventually(() => store.service('default', 'alpha')?.clusterIPs[0] === '10.96.0.40', 'the renamed file');

        await writeFile(join(dir, 'b.yaml'), serviceYaml('beta', '10.96.0.11'));
        await eventually(() => store.service('default', 'beta') !== undefined, 'the new file');
      });
    });
  }
});
