import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../../log.ts';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A debug-level logger whose lines tests can inspect. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'debug', base: undefined }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

/** Polls until the check passes, failing after a bounded number of tries. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const stepMs = 20;
  for (let waited = 0; waited < timeoutMs; waited += stepMs) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'clusterdns-manifests-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
