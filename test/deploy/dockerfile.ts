import { readFileSync } from 'node:fs';
import { matchesGlob } from 'node:path';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  readonly keyword: string;
  readonly text: string;
  /** The build stage it belongs to (0 is the first FROM); -1 before any FROM (global ARGs). */
  readonly stage: number;
  readonly line: number;
}

export interface Dockerfile {
  readonly instructions: readonly Instruction[];
  /** Stage names (`FROM ... AS name`), by stage index; '' when unnamed. */
  readonly stages: readonly string[];
}

/** Reads a Dockerfile as BuildKit does for the subset used here: comments, `\` continuations. */
export function parseDockerfile(path: string): Dockerfile {
  const instructions: Instruction[] = [];
  const stages: string[] = [];
  let pending: { text: string; line: number } | null = null;
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, index) => {
      const trimmed = raw.trim();
      if (trimmed.startsWith('#') || (trimmed === '' && pending === null)) return;
      const continued = trimmed.endsWith('\\');
      const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
      pending = pending === null ? { text: part, line: index + 1 } : { text: `${pending.text} ${part}`.trim(), line: pending.line };
      if (continued) return;
      const [keyword = '', ...rest] = pending.text.split(/\s+/);
      const upper = keyword.toUpperCase();
      const text = rest.join(' ');
      if (upper === 'FROM') stages.push(/\s+AS\s+(\S+)$/i.exec(text)?.[1] ?? '');
      instructions.push({ keyword: upper, text, stage: stages.length - 1, line: pending.line });
      pending = null;
    });
  return { instructions, stages };
}

/** The JSON (exec) form of ENTRYPOINT or CMD. */
export function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) throw new Error('instruction missing');
  return JSON.parse(instruction.text) as string[];
}

/** A COPY: its flags (`--from`), its sources and its destination. */
export interface Copy {
  readonly from: string | null;
  readonly sources: readonly string[];
  readonly destination: string;
}

export function parseCopy(instruction: Instruction): Copy {
  const words = instruction.text.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length) ?? null;
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/**
 * The exclusion test of a .dockerignore for the patterns it uses: globs with `*` and `**`, `!`
 * exceptions, later lines winning, a path excluded when it or a parent matches (Docker's rules).
 */
export function dockerignoreFilter(path: string): (relativePath: string) => boolean {
  const patterns = readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.startsWith('!') ? { exclude: false, glob: line.slice(1) } : { exclude: true, glob: line }))
    .map(({ exclude, glob }) => ({ exclude, glob: glob.replace(/^\/+|\/+$/g, '') }));
  return (relativePath) => {
    const parts = relativePath.split('/');
    const candidates = parts.map((_, index) => parts.slice(0, index + 1).join('/'));
    let excluded = false;
    for (const { exclude, glob } of patterns) {
      if (candidates.some((candidate) => matchesGlob(candidate, glob))) excluded = exclude;
    }
    return excluded;
  };
}
