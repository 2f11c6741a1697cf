/**
 * The Node versions the installed package runs on, written into package.json only while npm packs
 * (and publishes) it.
 *
 * Why not in package.json for good: npm checks `engines` against the Node npm itself runs on, not
 * the one the command will run on. In this checkout npm may run on an older system Node (20 here)
 * while every script and `npx clusterdns` run on the Node 24 of the `node` devDependency. With
 * `engines` in package.json, `npm install` warns about the project itself (Arborist checks the
 * root's engines) and so does every `npx clusterdns` (npm exec links the project into its _npx
 * cache folder as a dependency and checks it there), for a Node nothing runs on. A tarball
 * installed elsewhere runs on that host's Node, so there the field is true and npm should check it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Node 22 from 22.19 (the oldest tested, with `process.execve`), and 24 on: 23 is end of life. */
export const ENGINES = { node: '^22.19.0 || >=24' } as const;

const PACKAGE_JSON = join(import.meta.dirname, '..', '..', 'package.json');

/** package.json as npm writes it (two spaces, a final newline), so a stamp and its removal leave no diff. */
function rewrite(change: (manifest: Record<string, unknown>) => void, file = PACKAGE_JSON): void {
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(manifest);
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

export function addEngines(file = PACKAGE_JSON): void {
  rewrite((manifest) => {
    manifest.engines = ENGINES;
  }, file);
}

export function removeEngines(file = PACKAGE_JSON): void {
  rewrite((manifest) => {
    delete manifest.engines;
  }, file);
}
