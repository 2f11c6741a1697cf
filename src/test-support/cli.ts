import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'clusterdns.js');
/** A guard against a hung child, not a measure of speed. */
const WAIT_MS = 10_000;

export interface CliRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string): Promise<void>;
  /** The exit status (or the signal's name when killed). */
  readonly exited: Promise<number | string>;
}

/** Starts `node bin/clusterdns.js ...args` in `cwd`, with `env`; `input` is written to its stdin. */
export function runCli(args: readonly string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const watchers: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const watcher of watchers) watcher();
  });
  child.stderr!.on('data', (chunk: Buffer) => void (err += chunk.toString()));
  child.stdin!.end(options.input ?? '');
  const killer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS * 2);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve(code ?? signal ?? -1);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "${text}" on stdout; stdout:\n${out}\nstderr:\n${err}`)), WAIT_MS);
        const check = (): void => {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          resolve();
        };
        watchers.push(check);
        void exited.then(() => {
          if (out.includes(text)) return;
          clearTimeout(timer);
          reject(new Error(`exited without "${text}"; stdout:\n${out}\nstderr:\n${err}`));
        });
        check();
      }),
  };
}
