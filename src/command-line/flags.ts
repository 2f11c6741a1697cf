/** A command-line flag as Go's flag package defines one. */
export interface FlagSpec {
  readonly name: string;
  readonly kind: 'string' | 'bool';
  readonly usage: string;
  /** Shown as `(default "...")` in the usage text when not empty. */
  readonly defaultText?: string;
}

/** Wrong command line: the message Go's flag package would print before the usage text (exit 2). */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/** `-h` or `-help` when the program defines no such flag: print the usage and exit 0. */
export class HelpRequested extends Error {
  constructor() {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

export interface ParsedFlags {
  /** Values of the flags given; a bool flag given without value is true. */
  readonly values: ReadonlyMap<string, string | boolean>;
  /** Arguments after the flags. */
  readonly rest: readonly string[];
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function parseBool(name: string, text: string): boolean {
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw new FlagError(`invalid boolean value "${text}" for -${name}: parse error`);
}

/**
 * Parses flags as Go's flag package (and so CoreDNS) does: `-name`, `--name`, `-name=value`,
 * `-name value` for non-bool flags; parsing stops at the first non-flag argument or at `--`.
 */
export function parseFlags(specs: readonly FlagSpec[], argv: readonly string[]): ParsedFlags {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const values = new Map<string, string | boolean>();
  let index = 0;
  while (index < argv.length) {
    const arg = argv[index]!;
    if (arg.length < 2 || !arg.startsWith('-')) break;
    index++;
    if (arg === '--') break;
    const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) throw new FlagError(`bad flag syntax: ${arg}`);
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const inline = equals < 0 ? null : body.slice(equals + 1);
    const spec = byName.get(name);
    if (!spec) {
      if (name === 'h' || name === 'help') throw new HelpRequested();
      throw new FlagError(`flag provided but not defined: -${name}`);
    }
    if (spec.kind === 'bool') {
      values.set(name, inline === null ? true : parseBool(name, inline));
    } else if (inline !== null) {
      values.set(name, inline);
    } else {
      if (index >= argv.length) throw new FlagError(`flag needs an argument: -${name}`);
      values.set(name, argv[index++]!);
    }
  }
  return { values, rest: argv.slice(index) };
}

/** The usage text as Go prints it: flags sorted by name, each with its type and default. */
export function formatUsage(program: string, specs: readonly FlagSpec[]): string {
  const lines = [`Usage of ${program}:`];
  for (const spec of [...specs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    lines.push(`  -${spec.name}${spec.kind === 'string' ? ' string' : ''}`);
    const fallback = spec.defaultText ? ` (default "${spec.defaultText}")` : '';
    lines.push(`    \t${spec.usage}${fallback}`);
  }
  return `${lines.join('\n')}\n`;
}
