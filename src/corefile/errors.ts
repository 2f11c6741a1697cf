/** The Corefile itself could not be read (missing, unreadable): there is no line to point at. */
export class CorefileReadError extends Error {
  readonly file: string;
  constructor(file: string, cause: unknown) {
    super(`cannot read Corefile ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CorefileReadError';
    this.file = file;
  }
}
