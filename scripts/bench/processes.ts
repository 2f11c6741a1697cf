/**
 * Child processes of the benchmark. Every child is registered so that none outlives the run:
 * each has a deadline, and all are killed when the run ends, fails or is interrupted.
 */
import { execFile, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export class CommandError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(command: string, exitCode: number | null, stderr: string, reason: string) {
    super(`${command}: ${reason}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    this.name = 'CommandError';
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Kills every child still running; safe to call from an 'exit' handler (synchronous). */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

let exitHooksInstalled = false;

/** Kills children when this process exits or is interrupted. */
export function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.once('exit', () => killAllChildren());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping children\n`);
      killAllChildren();
      process.exit(130);
    });
  }
}

/** Runs a command to completion, killing it after `timeoutMs`. Never rejects on a non-zero exit. */
export function runCommand(command: string, args: readonly string[], timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        const reason = child.signalCode ? `killed by ${child.signalCode} (timeout ${timeoutMs} ms?)` : error.message;
        reject(new CommandError([command, ...args].join(' '), null, String(stderr), reason));
        return;
      }
      resolve({ exitCode: child.exitCode ?? 0, stdout: String(stdout), stderr: String(stderr) });
    });
    track(child);
  });
}

export interface LongRunning {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running process (a server) that is killed anyway after `deadlineMs`. */
export function startProcess(command: string, args: readonly string[], options: { cwd: string; stdio: StdioOptions; deadlineMs: number }): LongRunning {
  const child = spawn(command, args, { cwd: options.cwd, stdio: options.stdio });
  if (child.pid === undefined) throw new CommandError([command, ...args].join(' '), null, '', 'could not be started');
  track(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const deadline = setTimeout(() => child.kill('SIGKILL'), options.deadlineMs);
  deadline.unref();
  void exited.then(() => clearTimeout(deadline));
  const stop = async (graceMs = 3000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const grace = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(grace);
  };
  return { child, pid: child.pid, exited, stop };
}

/** Whether `command` is on PATH. */
export async function commandExists(command: string): Promise<boolean> {
  const result = await runCommand('sh', ['-c', `command -v ${command}`], 5000);
  return result.exitCode === 0;
}
