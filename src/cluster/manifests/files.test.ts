import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withTempDir } from '../../test-support/temp-dir.ts';
import { ManifestError } from './errors.ts';
import { readManifestFiles } from './files.ts';

describe('readManifestFiles', () => {
  it('walks directories recursively in sorted order, keeping manifest extensions and skipping dot entries', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'b-sub', 'deeper'), { recursive: true });
      await mkdir(join(dir, '..data'));
      for (const name of ['z.yaml', 'a.yml', 'c.json', 'notes.txt', '.swap.yaml', 'b-sub/x.yaml', 'b-sub/deeper/y.YAML', '..data/dup.yaml']) {
        await writeFile(join(dir, name), name);
      }
      const { files, directories } = await readManifestFiles([dir]);
      expect(files.map((file) => file.path.slice(dir.length + 1))).toEqual(['a.yml', 'b-sub/deeper/y.YAML', 'b-sub/x.yaml', 'c.json', 'z.yaml']);
      expect(files[0]?.text).toBe('a.yml');
      expect(directories).toEqual([dir, join(dir, 'b-sub'), join(dir, 'b-sub', 'deeper')]);
    });
  });

  it('takes configured files whatever their extension, once each', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'cluster.manifest');
      await writeFile(file, 'x');
      await symlink(file, join(dir, 'link.yaml'));
      const { files } = await readManifestFiles([file, dir]);
      expect(files.map((f) => f.path)).toEqual([file]);
    });
  });

  it('fingerprints names and contents', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'a.yaml');
      await writeFile(file, 'one');
      const first = await readManifestFiles([dir]);
      expect((await readManifestFiles([dir])).fingerprint).toBe(first.fingerprint);
      await writeFile(file, 'two');
      expect((await readManifestFiles([dir])).fingerprint).not.toBe(first.fingerprint);
    });
  });

  it('fails naming a configured path that does not exist', async () => {
    await withTempDir(async (dir) => {
      const missing = join(dir, 'missing.yaml');
      const error = await readManifestFiles([missing]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ManifestError);
      expect(error).toMatchObject({ file: missing });
    });
  });
});
