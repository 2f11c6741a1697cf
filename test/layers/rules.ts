import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import ts from 'typescript';

/**
 * The layers of src/, bottom first, as README.md's layout section draws them. A file may import
 * its own unit (a folder, or a file standing alone) and the units of lower layers, never a unit of
 * its own layer or of a higher one.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['src/dns/', 'src/log.ts', 'src/node-http.ts', 'src/launch/', 'src/command-line/'],
  ['src/corefile/', 'src/cluster/'],
  ['src/toolkit/'],
  ['src/metrics/', 'src/controller/', 'src/prober/', 'src/proxy/', 'src/resolver/', 'src/top-cli/'],
  ['src/plugins/'],
  ['src/server/'],
  ['src/cli.ts', 'src/fixture/'],
  ['src/index.ts'],
];

const PLUGINS = 'src/plugins/';
/** The list of compiled-in plugins: the one file that may import every plugin, and the one way in from above. */
const PLUGIN_LIST = 'src/plugins/index.ts';

/** Where the helpers and fixtures every test shares live. */
const TEST_SUPPORT = 'src/test-support/';

/** Tests and their helpers drive a module from above (a plugin's test may run it in the server's chain). */
export function isTestCode(file: string): boolean {
  return file.endsWith('.test.ts') || file.startsWith(TEST_SUPPORT);
}

interface Place {
  readonly unit: string;
  readonly layer: number;
}

function placeOf(file: string, layers: readonly (readonly string[])[]): Place | null {
  let found: Place | null = null;
  layers.forEach((units, layer) => {
    for (const unit of units) {
      const holds = unit.endsWith('/') ? file.startsWith(unit) : file === unit;
      if (holds && (found === null || unit.length > found.unit.length)) found = { unit, layer };
    }
  });
  return found;
}

/** `src/plugins/cache/` for a file of the cache plugin; null for the plugin list or a file outside plugins. */
function pluginFolder(file: string): string | null {
  if (!file.startsWith(PLUGINS)) return null;
  const slash = file.indexOf('/', PLUGINS.length);
  return slash < 0 ? null : file.slice(0, slash + 1);
}

/**
 * Why `file` (a path from the repository root) may not import `specifier`, or null when it may.
 * Only relative specifiers name files of this repository; packages and node: modules pass.
 */
export function importProblem(file: string, specifier: string, layers = LAYERS): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  if (!target.startsWith('src/')) return target.startsWith('test/') ? 'source code imports test code' : null;
  const from = placeOf(file, layers);
  const to = placeOf(target, layers);
  if (from === null) return `${file} is in no layer: place it in LAYERS`;
  if (to === null) return `${target} is in no layer: place it in LAYERS`;
  const fromPlugin = pluginFolder(file);
  const toPlugin = pluginFolder(target);
  if (toPlugin !== null && fromPlugin !== toPlugin && file !== PLUGIN_LIST) {
    return fromPlugin === null ? `only ${PLUGIN_LIST} is a way into the plugins` : 'a plugin imports another plugin';
  }
  if (from.unit === to.unit) return null;
  if (to.layer > from.layer) return `runs up the layers, from ${from.unit} to ${to.unit}`;
  if (to.layer === from.layer) return `runs sideways within a layer, from ${from.unit} to ${to.unit}`;
  return null;
}

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly problem: string;
}

/** The .ts files below `dir`, as paths from `root`. */
function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(posix.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(root, path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Why test code under src/ may not import `specifier`, or null when it may: anything of src/, so a
 * test can drive its module from above, but nothing of test/, so src/'s tests need only src/.
 */
export function testImportProblem(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return target.startsWith('test/') ? `a test under src/ imports test/: shared test support lives in ${TEST_SUPPORT}` : null;
}

/** Every import and re-export of src/'s source files that the layers refuse, and of its tests that reach into test/. */
export function layerViolations(root: string, layers = LAYERS): Violation[] {
  const violations: Violation[] = [];
  for (const file of sourceFiles(root, 'src')) {
    const text = readFileSync(posix.join(root, file), 'utf8');
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      const problem = isTestCode(file) ? testImportProblem(file, specifier) : importProblem(file, specifier, layers);
      if (problem !== null) violations.push({ file, specifier, problem });
    }
  }
  return violations;
}
