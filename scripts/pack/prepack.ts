/**
 * `npm pack` and `npm publish` run this first (the `prepack` script): a clean build, so no file of
 * an older build (a deleted module, a test compiled by hand) reaches the tarball, then package.json
 * as the tarball carries it (manifest.ts says how it differs).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writePackedManifest } from './manifest.ts';

const root = join(import.meta.dirname, '..', '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
writePackedManifest();
