import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { dig } from '../../src/test-support/dig.ts';
import { freePort } from '../../src/test-support/ports.ts';
import { dockerignoreFilter, execForm, parseCopy, parseDockerfile, type Instruction } from './dockerfile.ts';
import { findObject, loadObjects, REPO, type WorkloadSpec } from './manifests.ts';

const dockerfile = parseDockerfile(join(REPO, 'Dockerfile'));
const excluded = dockerignoreFilter(join(REPO, '.dockerignore'));
const finalStage = dockerfile.stages.length - 1;

function inStage(stage: number, keyword: string): Instruction[] {
  return dockerfile.instructions.filter((instruction) => instruction.stage === stage && instruction.keyword === keyword);
}

function last(stage: number, keyword: string): Instruction | undefined {
  return inStage(stage, keyword).at(-1);
}

/** The `npm ci ...` command of a stage, as argv. */
function npmCiCommand(stageName: string): string[] {
  const command = buildCommands(dockerfile.stages.indexOf(stageName)).find((argv) => argv[0] === 'npm' && argv[1] === 'ci');
  if (command === undefined) throw new Error(`no \`npm ci\` in the ${stageName} stage`);
  return command;
}

/**
 * The commands of a stage's RUN instructions that build the image's files, as argv: `npm ci` and
 * `node ...`. Cache clean-ups are left out: here they would empty the developer's own npm cache.
 */
function buildCommands(stage: number, run?: Instruction): string[][] {
  return inStage(stage, 'RUN')
    .filter((instruction) => run === undefined || instruction === run)
    .flatMap((instruction) => instruction.text.split('&&').map((part) => part.trim().split(/\s+/)))
    .filter((argv) => (argv[0] === 'npm' && argv[1] === 'ci') || argv[0] === 'node');
}

/** The context files below `path` (relative to the repository) that .dockerignore lets through. */
function contextFiles(path: string): string[] {
  const absolute = join(REPO, path);
  if (!statSync(absolute).isDirectory()) return excluded(path) ? [] : [path];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .map((name) => posix.join(path, name))
    .filter((name) => statSync(join(REPO, name)).isFile() && !excluded(name));
}

/** Every file under `root` with its size: what a read-only root filesystem would have refused to change. */
function snapshot(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((name) => {
      const stats = statSync(join(root, name));
      return `${name} ${stats.isFile() ? stats.size : 'dir'}`;
    })
    .sort();
}

interface Run {
  readonly status: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end, killed after `limitMs` (a guard against a hung child, not a measure). */
function run(argv: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; limitMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), options.limitMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ status: code ?? signal ?? -1, stdout, stderr });
    });
  });
}

const NETWORK_FAILURE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up/;
const WAIT_ATTEMPTS = 100;

/** Runs what a build stage's RUN does to the stage's files; skips the test when the npm registry is out of reach. */
async function runBuildStep(instruction: Instruction, cwd: string, context: { skip(note: string): never }): Promise<void> {
  // Fewer retries than npm's default (two, up to a minute apart): an unreachable registry skips sooner.
  const env = { ...process.env, npm_config_fetch_retries: '1', npm_config_fetch_retry_mintimeout: '1000', npm_config_fetch_retry_maxtimeout: '5000' };
  for (const argv of buildCommands(instruction.stage, instruction)) {
    const command = argv[0] === 'node' ? [process.execPath, ...argv.slice(1)] : argv;
    const result = await run(command, { cwd, env, limitMs: 180_000 });
    if (result.status !== 0 && NETWORK_FAILURE.test(result.stderr)) {
      context.skip(`npm registry unreachable, image dependencies not installed: ${NETWORK_FAILURE.exec(result.stderr)?.[0]}`);
    }
    expect(result.status, `${argv.join(' ')}\n${result.stderr}`).toBe(0);
  }
}

describe('Dockerfile', () => {
  it('builds in stages on Node 24, the last one without a build toolchain', () => {
    const base = dockerfile.instructions.find((instruction) => instruction.keyword === 'ARG' && instruction.stage === -1);
    expect(base?.text).toMatch(/^NODE_IMAGE=node:24-[a-z]+-slim$/);
    expect(dockerfile.stages).toEqual(['build', 'dependencies', '']);
    for (const from of dockerfile.instructions.filter((instruction) => instruction.keyword === 'FROM')) expect(from.text).toMatch(/^\$\{NODE_IMAGE\}/);
  });

  it('installs production dependencies only, with their lock file', () => {
    expect(npmCiCommand('dependencies')).toEqual(expect.arrayContaining(['npm', 'ci', '--omit=dev']));
    const copies = inStage(dockerfile.stages.indexOf('dependencies'), 'COPY').map(parseCopy);
    expect(copies).toContainEqual({ from: null, sources: ['package.json', 'package-lock.json'], destination: './' });
  });

  it('compiles the sources in the build stage and ships only the JavaScript', () => {
    const build = dockerfile.stages.indexOf('build');
    expect(buildCommands(build).at(-1)).toEqual(['node', 'node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--declaration', 'false']);
    expect(inStage(finalStage, 'COPY').map(parseCopy)).toContainEqual({ from: 'build', sources: ['/app/dist'], destination: '/app/dist' });
  });

  it('runs node with CoreDNS\'s arguments, the ones the Deployment passes, as 65532:65532', () => {
    expect(last(finalStage, 'USER')?.text).toBe('65532:65532');
    expect(execForm(last(finalStage, 'ENTRYPOINT'))).toEqual(['node', '/app/bin/clusterdns.js']);
    const deployment = findObject(loadObjects(join(REPO, 'deploy', 'deployment.yaml')), 'Deployment', 'coredns');
    const args = (deployment.spec as unknown as WorkloadSpec).template.spec.containers[0]?.args;
    expect(execForm(last(finalStage, 'CMD'))).toEqual(args);
    expect(last(finalStage, 'WORKDIR')?.text).toBe('/');
  });

  it('gives node the capability to bind port 53', () => {
    expect(inStage(finalStage, 'RUN').map((run) => run.text).join(' ')).toContain('setcap cap_net_bind_service=+ep /usr/local/bin/node');
  });

  it('copies files that exist in the build context, sources only into the build stage, tests left out', () => {
    const copies = dockerfile.instructions.filter((instruction) => instruction.keyword === 'COPY').map(parseCopy);
    for (const source of copies.filter((copy) => copy.from === null).flatMap((copy) => copy.sources)) {
      expect(existsSync(join(REPO, source)), source).toBe(true);
      expect(contextFiles(source).length, `${source} in the build context`).toBeGreaterThan(0);
    }
    const shipped = copies.filter((copy) => copy.from === null).flatMap((copy) => copy.sources.flatMap(contextFiles));
    expect(shipped).toContain('bin/clusterdns.js');
    expect(shipped).toContain('src/cli.ts');
    expect(shipped.filter((file) => file.endsWith('.test.ts') || file.startsWith('src/test-support/'))).toEqual([]);
    const final = inStage(finalStage, 'COPY').map(parseCopy).filter((copy) => copy.from === null).flatMap((copy) => copy.sources);
    expect(final.filter((source) => source.startsWith('src'))).toEqual([]);
  });
});

describe('the image\'s files, assembled as the Dockerfile does', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'clusterdns-image-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('serve DNS with production dependencies only, writing nothing into the image', { timeout: 240_000 }, async (context) => {
    const stageRoots = dockerfile.stages.map((_, index) => join(scratch, `stage-${index}`));
    const workdirs = dockerfile.stages.map(() => '/');
    for (const instruction of dockerfile.instructions.filter((candidate) => candidate.stage >= 0)) {
      const root = stageRoots[instruction.stage]!;
      if (instruction.keyword === 'WORKDIR') workdirs[instruction.stage] = posix.resolve(workdirs[instruction.stage]!, instruction.text);
      if (instruction.keyword === 'RUN' && instruction.stage !== finalStage) {
        await runBuildStep(instruction, join(root, workdirs[instruction.stage]!), context);
        continue;
      }
      if (instruction.keyword !== 'COPY') continue;
      const copy = parseCopy(instruction);
      const destination = join(root, posix.resolve(workdirs[instruction.stage]!, copy.destination));
      for (const source of copy.sources) {
        if (copy.from !== null) {
          cpSync(join(stageRoots[dockerfile.stages.indexOf(copy.from)]!, source), destination, { recursive: true });
          continue;
        }
        const files = contextFiles(source);
        const isDirectory = statSync(join(REPO, source)).isDirectory();
        for (const file of files) {
          const target = isDirectory ? join(destination, posix.relative(source, file)) : copy.destination.endsWith('/') ? join(destination, posix.basename(file)) : destination;
          mkdirSync(dirname(target), { recursive: true });
          cpSync(join(REPO, file), target);
        }
      }
    }

    const image = stageRoots[finalStage]!;
    const modules = join(image, 'app', 'node_modules');
    for (const name of Object.keys(packageJson.dependencies)) expect(existsSync(join(modules, name)), name).toBe(true);
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => entry.dev === true && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path))
      .map(([path]) => path.slice('node_modules/'.length));
    expect(devOnly).toEqual(expect.arrayContaining(['vitest', 'dns-packet', 'node']));
    for (const name of devOnly) expect(existsSync(join(modules, name)), name).toBe(false);

    // In the container, absolute paths are the image's: map them into the scratch root.
    const inImage = (word: string): string => (isAbsolute(word) ? join(image, word) : word);
    const [program, ...entrypoint] = execForm(last(finalStage, 'ENTRYPOINT'));
    expect(program).toBe('node');
    const command = [process.execPath, ...entrypoint.map(inImage)];
    const cwd = join(image, last(finalStage, 'WORKDIR')!.text);
    const temporary = mkdtempSync(join(scratch, 'tmp-'));
    const env = { PATH: process.env['PATH'], HOME: image, TMPDIR: temporary, NODE_ENV: 'production' };

    const version = await run([...command, '-version'], { cwd, env, limitMs: 30_000 });
    expect(version.stdout.split('\n')[0], version.stderr).toBe(`clusterdns-${packageJson.version}`);

    const port = await freePort();
    const corefile = execForm(last(finalStage, 'CMD'))[1]!;
    mkdirSync(dirname(inImage(corefile)), { recursive: true });
    writeFileSync(inImage(corefile), `.:${port} {\n    bind 127.0.0.1\n    errors\n    whoami\n}\n`);
    const before = snapshot(image);

    const child = spawn(command[0]!, [...command.slice(1), ...execForm(last(finalStage, 'CMD')).map(inImage)], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    try {
      for (let attempt = 0; attempt < WAIT_ATTEMPTS && !stdout.includes(`clusterdns-${packageJson.version}`) && child.exitCode === null; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(stdout, stderr).toContain(`.:${port} on 127.0.0.1`);
      const answer = await dig('whoami.example', { port });
      expect(answer.status).toBe('NOERROR');
      expect(answer.additional.map((record) => record.type)).toContain('A');
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      clearTimeout(killer);
    }
    expect(snapshot(image)).toEqual(before);
  });
});
