/**
 * `npm pack` and `npm publish` run this first (the `prepack` script): a clean build, so no file of
 * an older build (a deleted module, a test compiled by hand) reaches the tarball, then the
 * package's `engines` (engines.ts says why they are stamped only now). npm runs `prepare`, an
 * incremental build with nothing left to do, after this.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { addEngines } from './engines.ts';

const root = join(import.meta.dirname, '..', '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
addEngines();
