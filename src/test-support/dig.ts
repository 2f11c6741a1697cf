import { execFile } from 'node:child_process';

export interface DigRecord {
  readonly name: string;
  readonly ttl: number;
  readonly class: string;
  readonly type: string;
  /** The record data as dig prints it, fields separated by single spaces. */
  readonly data: string;
}

export interface DigResult {
  readonly status: string;
  readonly id: number;
  readonly flags: readonly string[];
  readonly question: string | null;
  readonly answer: readonly DigRecord[];
  readonly authority: readonly DigRecord[];
  readonly additional: readonly DigRecord[];
  /** dig fell back to TCP after a truncated UDP answer. */
  readonly retriedOverTcp: boolean;
  readonly output: string;
}

export interface DigOptions {
  readonly port: number;
  readonly server?: string;
  readonly type?: string;
  readonly class?: string;
  readonly tcp?: boolean;
  /** Further dig options such as `+ignore`, `+bufsize=1232`, `+noedns`. */
  readonly flags?: readonly string[];
}

function parseRecord(line: string): DigRecord {
  const [name, ttl, cls, type, ...data] = line.split(/\s+/);
  return { name: name!, ttl: Number(ttl), class: cls!, type: type!, data: data.join(' ') };
}

/** Reads dig's default output: header, flags, and the sections it prints. */
export function parseDigOutput(output: string): DigResult {
  const header = /->>HEADER<<- opcode: \w+, status: (\w+), id: (\d+)/.exec(output);
  if (!header) throw new Error(`dig printed no answer:\n${output}`);
  const flagLine = /;; flags:([^;]*);/.exec(output);
  const sections: Record<string, DigRecord[]> = { ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
  let question: string | null = null;
  let current: string | null = null;
  for (const line of output.split('\n')) {
    const title = /^;; (\w+) SECTION:$/.exec(line);
    if (title) {
      current = title[1]!;
      continue;
    }
    if (line.trim() === '' || line.startsWith(';;')) {
      if (line.trim() === '') current = null;
      continue;
    }
    if (current === 'QUESTION') question = line.replace(/^;/, '').trim().split(/\s+/).join(' ');
    else if (current !== null && current in sections) sections[current]!.push(parseRecord(line));
  }
  return {
    status: header[1]!,
    id: Number(header[2]),
    flags: flagLine ? flagLine[1]!.trim().split(/\s+/).filter(Boolean) : [],
    question,
    answer: sections.ANSWER!,
    authority: sections.AUTHORITY!,
    additional: sections.ADDITIONAL!,
    retriedOverTcp: output.includes('Truncated, retrying in TCP mode'),
    output,
  };
}

/**
 * Runs dig once against 127.0.0.1 and parses what it printed. One try, so a query is never counted
 * twice; five seconds (dig's default) because a loaded CI machine once kept an answer past two.
 */
export function dig(name: string, options: DigOptions): Promise<DigResult> {
  const args = [
    `@${options.server ?? '127.0.0.1'}`,
    '-p',
    String(options.port),
    name,
    options.type ?? 'A',
    ...(options.class ? ['-c', options.class] : []),
    '+time=5',
    '+tries=1',
    ...(options.tcp ? ['+tcp'] : []),
    ...(options.flags ?? []),
  ];
  return new Promise((resolve, reject) => {
    execFile('dig', args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error && !stdout) {
        reject(new Error(`dig ${args.join(' ')} failed: ${stderr || error.message}`));
        return;
      }
      try {
        resolve(parseDigOutput(stdout));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}
