import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../log.ts';
import { recordingLogger } from '../../test-support/log.ts';
import { withTempDir } from '../../test-support/temp-dir.ts';
import { createClusterStore } from '../store.ts';
import type { ClusterState } from '../types.ts';
import { ManifestSource } from './source.ts';

const SERVICE = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: 10.96.0.10\n  ports:\n    - port: 80\n';

/** A transform that labels services with an outside value, as probe results are outside the files. */
function labelling(value: { current: string }): (state: ClusterState) => ClusterState {
  return (state) => ({ ...state, services: state.services.map((s) => ({ ...s, labels: { ...s.labels, outside: value.current } })) });
}

describe('ManifestSource.refresh', () => {
  it('re-runs the transform over the last loaded manifests without reading the files', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'web.yaml');
      await writeFile(file, SERVICE);
      const outside = { current: 'one' };
      const store = createClusterStore();
      const source = new ManifestSource({ paths: [file], logger: silentLogger, watch: false, transform: labelling(outside) });
      await source.start(store);
      expect(store.service('default', 'web')?.labels.outside).toBe('one');
      // Broken on disk now: a refresh must not notice, as it does not read.
      await writeFile(file, 'kind: [\n');
      outside.current = 'two';
      await source.refresh();
      expect(store.service('default', 'web')?.labels.outside).toBe('two');
      await source.stop();
    });
  });

  it('does nothing before start or after stop, and keeps the state when the transform throws', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'web.yaml');
      await writeFile(file, SERVICE);
      const outside = { current: 'one' };
      let fail = false;
      const { logger, lines } = recordingLogger();
      const transform = (state: ClusterState): ClusterState => {
        if (fail) throw new Error('probe table broken');
        return labelling(outside)(state);
      };
      const store = createClusterStore();
      const source = new ManifestSource({ paths: [file], logger, watch: false, transform });
      await source.refresh();
      expect([...store.services()]).toEqual([]);
      await source.start(store);
      fail = true;
      await source.refresh();
      expect(store.service('default', 'web')?.labels.outside).toBe('one');
      expect(lines.some((line) => line.level === 50 && line.msg.includes('probe table broken'))).toBe(true);
      fail = false;
      await source.stop();
      outside.current = 'two';
      await source.refresh();
      expect(store.service('default', 'web')?.labels.outside).toBe('one');
    });
  });
});
