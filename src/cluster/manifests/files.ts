import { createHash } from 'node:crypto';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ManifestError } from './errors.ts';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface ManifestFile {
  /** As reached from the configured path, for messages. */
  readonly path: string;
  readonly text: string;
}

export interface ManifestFiles {
  /** In load order: configured paths in order, directory contents sorted by name, depth first. */
  readonly files: readonly ManifestFile[];
  /** Every directory walked, for watchers that must poll them. */
  readonly directories: readonly string[];
  /** Changes whenever a file's name or content does; equal fingerprints need no reparse. */
  readonly fingerprint: string;
}

/**
 * Reads every manifest the paths name: files as given (any extension), directories recursively
 * (*.yaml, *.yml, *.json). Entries starting with a dot are skipped: they are editor swap files
 * or the `..data` twins of a mounted ConfigMap, whose files would otherwise load twice.
 */
export async function readManifestFiles(paths: readonly string[]): Promise<ManifestFiles> {
  const found: string[] = [];
  const directories: string[] = [];
  const seen = new Set<string>();
  for (const path of paths) await collect(path, true, found, directories, seen);
  const files: ManifestFile[] = [];
  const hash = createHash('sha256');
  for (const path of found) {
    const text = await readFile(path, 'utf8').catch((error: unknown) => {
      throw new ManifestError({ file: path }, `cannot read: ${errorText(error)}`, { cause: error });
    });
    files.push({ path, text });
    hash.update(path).update('\0').update(text).update('\0');
  }
  return { files, directories, fingerprint: hash.digest('hex') };
}

async function collect(path: string, configured: boolean, found: string[], directories: string[], seen: Set<string>): Promise<void> {
  let info;
  let real;
  try {
    info = await stat(path);
    real = await realpath(path);
  } catch (error) {
    // A file that vanished between listing and reading is a race with an editor, not an error.
    if (!configured && isNotFound(error)) return;
    throw new ManifestError({ file: path }, `cannot read: ${errorText(error)}`, { cause: error });
  }
  if (seen.has(real)) return;
  seen.add(real);
  if (info.isDirectory()) {
    directories.push(path);
    const names = (await readdir(path)).filter((name) => !name.startsWith('.')).sort();
    for (const name of names) {
      const child = join(path, name);
      const childInfo = await stat(child).catch(() => undefined);
      if (childInfo?.isDirectory() || MANIFEST_EXTENSIONS.has(extname(name).toLowerCase())) {
        await collect(child, false, found, directories, seen);
      }
    }
  } else if (info.isFile()) {
    found.push(path);
  } else if (configured) {
    throw new ManifestError({ file: path }, 'is neither a file nor a directory');
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
