import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import type { LogLine } from '../../src/test-support/log.ts';

const RUN_SCRIPT = join(import.meta.dirname, '..', '..', 'examples', 'run.ts');
/** Guards against a hung example, not measures of speed: the machine is shared. */
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 5_000;

/** `npm start` as a child process, its output collected. */
export class RunningExample {
  readonly child: ChildProcess;
  readonly exited: Promise<number | string>;
  #stdout = '';
  #stderr = '';

  constructor() {
    this.child = spawn(process.execPath, [RUN_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => void (this.#stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => void (this.#stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  }

  get stdout(): string {
    return this.#stdout;
  }

  /** The JSON log lines on stderr; anything else there (a crash) is kept as a fatal line. */
  logLines(): LogLine[] {
    return this.#stderr
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch {
          return { level: 60, msg: line };
        }
      });
  }

  /** Resolves once stdout holds `text`; rejects, with the output, if the example exits or takes too long. */
  async waitForStdout(text: string): Promise<void> {
    await eventually(
      async () => {
        if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`the example exited\n${this.#output()}`);
        return this.#stdout.includes(text);
      },
      `"${text}" on the example's stdout`,
      START_TIMEOUT_MS,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.#output()}`);
    });
  }

  /** SIGTERM, as a service manager stops it; SIGKILL if it does not exit in time. */
  async stop(): Promise<number | string> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(killer);
    }
  }

  #output(): string {
    return `stdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`;
  }
}

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs` with `what`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** One GET on a fresh connection (the proxy picks a backend per connection). */
export function httpGet(url: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => void (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Which backends answered `count` requests in a row, in order; a failed request counts as `error`. */
export async function answeringBackends(url: string, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      const { status, body } = await httpGet(url);
      names.push(status === 200 ? body.trim() : `HTTP ${status}`);
    } catch {
      names.push('error');
    }
  }
  return names;
}
