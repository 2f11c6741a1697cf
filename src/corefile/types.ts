/** A token of a Corefile, with where it came from so that every error can name file and line. */
export interface Token {
  readonly text: string;
  readonly file: string;
  readonly line: number;
  /** True when written in quotes: a quoted `{` is an argument, not a block. */
  readonly quoted: boolean;
}

/**
 * One line of a server block or of a directive's block: the directive's name, its arguments on
 * the same line, and the lines of its `{ }` block (each itself a Directive), if it has one.
 */
export interface Directive {
  readonly name: Token;
  readonly args: readonly Token[];
  readonly block: readonly Directive[] | null;
}

export interface ServerBlock {
  /** The keys as written: `.:53`, `cluster.local:1053`, `dns://example.org`. */
  readonly keys: readonly Token[];
  readonly directives: readonly Directive[];
}

export interface Corefile {
  /** The file the Corefile was read from ('stdin' or a path). */
  readonly file: string;
  readonly blocks: readonly ServerBlock[];
  /** Every file read to build this Corefile (the main file and its imports), for reload. */
  readonly files: readonly string[];
}

/** A Corefile error: `file:line - Error during parsing: ...`, as CoreDNS words it. */
export class CorefileError extends Error {
  readonly file: string;
  readonly line: number;
  readonly directive: string | undefined;
  constructor(file: string, line: number, message: string, directive?: string) {
    super(`${file}:${line} - Error during parsing: ${directive ? `${directive}: ` : ''}${message}`);
    this.name = 'CorefileError';
    this.file = file;
    this.line = line;
    this.directive = directive;
  }
}
