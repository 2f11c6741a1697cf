/**
 * package.json as the tarball carries it, written over the checkout's for the length of a pack
 * (prepack.ts) and put back after (postpack.ts) from a copy kept beside it.
 *
 * - `engines` only in the tarball. npm checks `engines` against the Node npm itself runs on, not
 *   the one the command will run on. In this checkout npm may run on an older system Node (20 here)
 *   while every script and `npx clusterdns` run on the Node 24 of the `node` devDependency. With
 *   `engines` in package.json, `npm install` warns about the project itself (Arborist checks the
 *   root's engines), and so does every `npx clusterdns` (npm exec links the project into its _npx
 *   cache folder as a dependency and checks it there), for a Node nothing runs on. A tarball
 *   installed elsewhere runs on that host's Node, so there the field is true and npm should check it.
 * - No `prepare` in the tarball. It builds dist/ in a checkout; a tarball holds dist/ already and
 *   not the TypeScript to build it, and npm (11.19) lists a tarball's `prepare` among the install
 *   scripts `allowScripts` does not cover, warning on every `npm install ./clusterdns-*.tgz`.
 */
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Node 22 from 22.19 (what undici, a dependency of `@kubernetes/client-node`, asks; the oldest
 * tested), and 24 on: 23 is end of life.
 */
export const ENGINES = { node: '^22.19.0 || >=24' } as const;

const ROOT = join(import.meta.dirname, '..', '..');
export const PACKAGE_JSON = join(ROOT, 'package.json');
/** The checkout's package.json while the packed one stands in for it (ignored by git, not in `files`). */
export const CHECKOUT_COPY = join(ROOT, '.package.json.before-pack');

type Manifest = Record<string, unknown> & { scripts?: Record<string, string> };

export function packedManifest(checkout: Manifest): Manifest {
  const { prepare: _build, ...scripts } = checkout.scripts ?? {};
  return { ...checkout, scripts, engines: ENGINES };
}

/** Keeps the checkout's package.json aside and writes the packed one in its place. */
export function writePackedManifest(): void {
  restoreCheckoutManifest(); // a pack that stopped half-way left its stand-in
  copyFileSync(PACKAGE_JSON, CHECKOUT_COPY);
  const checkout = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as Manifest;
  writeFileSync(PACKAGE_JSON, `${JSON.stringify(packedManifest(checkout), null, 2)}\n`);
}

export function restoreCheckoutManifest(): void {
  if (existsSync(CHECKOUT_COPY)) renameSync(CHECKOUT_COPY, PACKAGE_JSON);
}
