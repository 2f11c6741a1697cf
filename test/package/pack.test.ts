/**
 * The package as another project gets it: `npm pack`, the tarball installed into a fresh project
 * made from examples/service-discovery, that project's vitest run against it, and its types
 * compiled by a strict TypeScript consumer.
 *
 * The pack runs in a copy of the repository: prepack rebuilds dist/ from scratch and writes the
 * tarball's package.json over the checkout's for the length of the pack, and other test files of
 * the same run start bin/clusterdns.js from dist/ and run `npx clusterdns` against package.json.
 * npm installs from its cache where it can (`--prefer-offline`): `npm ci` put vitest there.
 *
 * CLUSTERDNS_PACK_NODE=/path/to/node runs npm, the CLI and the example's tests on that Node (say
 * a Node 22 from `npm install node@22` in a temporary folder) instead of this one.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const exampleDir = join(root, 'examples', 'service-discovery');

/** What is not part of a checkout as npm packs it, nor of the example as its author keeps it. */
const LEFT_OUT = new Set(['node_modules', 'dist', '.git', 'coverage', 'package-lock.json']);
const keep = (path: string): boolean => !LEFT_OUT.has(basename(path)) && !path.endsWith('.tgz');

/** The Node the example's tests run on, and npm too, so that npm checks the package's engines against it. */
const node = process.env.CLUSTERDNS_PACK_NODE ?? process.execPath;

/** npm as a shell would run it: none of the npm_* settings of the `npm test` around this run (its prefix is the repository). */
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))),
  PATH: [dirname(node), process.env.PATH].join(delimiter),
  npm_config_update_notifier: 'false',
};

function npm(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
}

const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/** Another project's TypeScript, as strict as TypeScript gets, reading the package's types (skipLibCheck off). */
const CONSUMER_TSCONFIG = {
  compilerOptions: {
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    module: 'nodenext',
    target: 'es2022',
    types: ['node'],
    noEmit: true,
    skipLibCheck: false,
  },
  files: ['consumer.ts'],
};
const CONSUMER = `
import { startClusterDns, podSearchNames, ManifestError, type ClusterDnsOptions } from 'clusterdns';
const options: ClusterDnsOptions = { manifests: [], port: 0, kubeproxy: true, pods: 'insecure', clusterDomain: 'cluster.local' };
const dns = await startClusterDns(options);
const addresses: string[] = await dns.resolver().resolve4('web.default.svc.cluster.local');
const names: readonly string[] = podSearchNames('web', { namespace: 'shop' });
await dns.apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]);
try {
  await dns.apply(['kind: [']);
} catch (error) {
  if (!(error instanceof ManifestError)) throw error;
}
console.log(dns.address, dns.port, addresses, names);
await dns.close();
`;

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

describe('the packed package, installed in another project', () => {
  let temp: string;
  let project: string;
  let packed: PackResult;
  let install: { stdout: string; stderr: string };

  beforeAll(async () => {
    temp = mkdtempSync(join(tmpdir(), 'clusterdns-pack-'));
    const source = join(temp, 'clusterdns');
    project = join(temp, 'service-discovery');
    cpSync(root, source, { recursive: true, filter: keep });
    // The build's TypeScript and the `node` package the lifecycle scripts run on.
    symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'));
    cpSync(exampleDir, project, { recursive: true, filter: keep });

    const [result] = JSON.parse((await npm(source, ['pack', '--json', '--pack-destination', project])).stdout) as PackResult[];
    packed = result!;

    // The example names this version's tarball and the vitest this repository tests with.
    const wanted = { clusterdns: `file:${packed.filename}`, vitest: versionOf('vitest') };
    const example = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { devDependencies: unknown };
    expect(example.devDependencies, 'examples/service-discovery/package.json devDependencies').toEqual(wanted);
    // TypeScript for the consumer's check only: the example itself is JavaScript.
    install = await npm(project, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', `typescript@${versionOf('typescript')}`, `@types/node@${versionOf('@types/node')}`]);
  }, 120_000);

  afterAll(() => {
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  });

  it('holds what runs and its types, no sources or tests', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/clusterdns.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js']));
    expect(paths.filter((path) => !path.startsWith('dist/') && !path.startsWith('bin/'))).toEqual(['README.md', 'package.json']);
    expect(paths.filter((path) => /\.test\.|test-support|tsbuildinfo|\.ts$/.test(path) && !path.endsWith('.d.ts'))).toEqual([]);
    expect(packed.filename).toBe(`clusterdns-${packageJson.version}.tgz`);
  });

  it("installs with its engines, without the checkout's build script, and npm warns about neither", () => {
    // The tarball's package.json differs from the checkout's (scripts/pack/manifest.ts says why).
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'clusterdns', 'package.json'), 'utf8')) as { engines?: unknown; scripts?: object };
    expect(installed.engines).toEqual({ node: '^22.19.0 || >=24' });
    expect(installed.scripts).not.toHaveProperty('prepare');
    expect(packageJson).not.toHaveProperty('engines');
    expect(install.stderr).not.toMatch(/warn.*clusterdns/i);
  });

  it('runs its command line', async () => {
    const { stdout } = await run(node, [join(project, 'node_modules', '.bin', 'clusterdns'), '-version'], { cwd: project, env });
    expect(stdout).toContain(`clusterdns-${packageJson.version}`);
  });

  it("runs the example project's tests green against it", async () => {
    const vitest = join(project, 'node_modules', 'vitest', 'vitest.mjs');
    const tests = await run(node, [vitest, 'run', '--reporter=verbose'], { cwd: project, env }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the example's tests failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`);
    });
    expect(tests.stdout).toContain('3 passed');
  }, 60_000);

  it('gives a strict TypeScript project the types of its API', async () => {
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG));
    writeFileSync(join(project, 'consumer.ts'), CONSUMER);
    const tsc = join(project, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = await run(node, [tsc, '-p', project], { cwd: project, env }).catch((error: { stdout?: string }) => error);
    expect(compiled.stdout).toBe('');
  }, 60_000);
});
