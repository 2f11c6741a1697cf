/** Asks a server with dig and compares its answers with the generator's expected ones. */
import type { ExpectedSample } from './generate.ts';
import { runCommand } from './processes.ts';

export interface DigAnswer {
  /** NOERROR, NXDOMAIN...; null when no reply came (timeout). */
  readonly rcode: string | null;
  /** Rdata of answer records of the queried type, as dig prints it, sorted. */
  readonly answers: readonly string[];
}

/** Parses `dig +noall +comments +answer` output. */
export function parseDigOutput(output: string, type: string): DigAnswer {
  const rcode = /status: ([A-Z]+)/.exec(output)?.[1] ?? null;
  const answers: string[] = [];
  for (const line of output.split('\n')) {
    if (line.startsWith(';') || line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    if (fields[3] === type) answers.push(fields.slice(4).join(' '));
  }
  return { rcode, answers: answers.sort() };
}

export async function dig(port: number, name: string, type: string): Promise<DigAnswer> {
  const result = await runCommand(
    'dig',
    ['@127.0.0.1', '-p', String(port), '+time=1', '+tries=1', '+norec', '+noall', '+comments', '+answer', name, type],
    5000,
  );
  return parseDigOutput(result.stdout, type);
}

export interface SampleCheck {
  readonly ok: boolean;
  readonly checked: number;
  /** One line per mismatch: `name TYPE: want NOERROR [a|b], got NXDOMAIN []`. */
  readonly failures: readonly string[];
}

export async function checkSamples(port: number, samples: readonly ExpectedSample[]): Promise<SampleCheck> {
  const failures: string[] = [];
  for (const sample of samples) {
    const got = await dig(port, sample.name, sample.type);
    const same = got.rcode === sample.rcode && got.answers.join('|') === sample.answers.join('|');
    if (!same) {
      failures.push(`${sample.name} ${sample.type}: want ${sample.rcode} [${sample.answers.join('|')}], got ${got.rcode ?? 'no reply'} [${got.answers.join('|')}]`);
    }
  }
  return { ok: failures.length === 0, checked: samples.length, failures };
}

/**
 * Polls with dig until the server answers `name` NOERROR or `timeoutMs` passes: a server still
 * loading its cluster may refuse or fail queries at first.
 */
export async function waitUntilAnswering(port: number, name: string, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const got = await dig(port, name, 'A');
    if (got.rcode === 'NOERROR') return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}
