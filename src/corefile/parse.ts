import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { silentLogger, type Logger } from '../log.ts';
import { substituteEnv } from './env.ts';
import { CorefileReadError } from './errors.ts';
import { globFiles, hasWildcard } from './glob.ts';
import { lex, type LexToken } from './lexer.ts';
import { TokenStream, type TokenSource } from './stream.ts';
import { CorefileError, type Corefile, type Directive, type ServerBlock, type Token } from './types.ts';

export interface ParseOptions {
  /** Environment for `{$VAR}` and `{%VAR%}`; process.env when absent. */
  readonly env?: NodeJS.ProcessEnv;
  /** Reads an imported file (absolute path) as UTF-8; errors carry Node's `code` (ENOENT, EISDIR). */
  readonly readFile?: (path: string) => string;
  /** Expands an absolute import pattern with `*` or `?` to the matching paths, sorted. */
  readonly glob?: (pattern: string) => string[];
  /** Receives the warning for an import glob that matches nothing. */
  readonly logger?: Logger;
}

/** Bounds imports in total, so snippets importing each other twice per level cannot explode. */
const MAX_IMPORTS = 10_000;

const readUtf8 = (path: string): string => readFileSync(path, 'utf8');

/** Reads and parses the Corefile at `path`; imports are relative to its directory. */
export function loadCorefile(path: string, options: ParseOptions = {}): Corefile {
  let text: string;
  try {
    text = (options.readFile ?? readUtf8)(path);
  } catch (error) {
    throw new CorefileReadError(path, error);
  }
  return parseCorefile(text, path, options);
}

/**
 * Parses Corefile text read from `file` into server blocks of directives, expanding imports,
 * snippets and environment references, with CoreDNS's (caddy v1's) syntax. It checks syntax only:
 * keys and directives are interpreted by the server and the plugins.
 *
 * Blocks may be written compressed, as src/test-support/kubeadm-compressed.Corefile writes
 * kubeadm's Corefile: the tokens after a `{` on its line start the block's first directive line,
 * and an unquoted `}` closes the block wherever it stands, ending the directive line before it.
 * Only another `}` may follow a directive block's `}` on its line. This is a superset of CoreDNS,
 * whose parser rejects a `}` sharing a line with a server block's directive (`. { whoami }`) and
 * whose plugins that read a property with RemainingArgs take a `}` on that line as one more
 * argument.
 */
export function parseCorefile(text: string, file: string, options: ParseOptions = {}): Corefile {
  return new CorefileParser(text, file, options).parse();
}

function isBare(token: LexToken | undefined, text: string): boolean {
  return token !== undefined && !token.quoted && token.text === text;
}

/** `startsLine` covers the token right after a `{`, which starts a directive line too. */
function isImport(token: LexToken, startsLine = token.lineStart): boolean {
  return startsLine && isBare(token, 'import');
}

/** True when `token` is on the line of the token before it and is not the `}` closing a block. */
function continuesLine(token: LexToken | undefined): token is LexToken {
  return token !== undefined && !token.lineStart && !isBare(token, '}');
}

function errorAt(token: Token, message: string, directive?: string): CorefileError {
  return new CorefileError(token.file, token.line, message, directive);
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

class CorefileParser {
  private readonly file: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly readFile: (path: string) => string;
  private readonly glob: (pattern: string) => string[];
  private readonly logger: Logger;
  private readonly snippets = new Map<string, readonly LexToken[]>();
  private readonly files: string[] = [];
  private readonly tokens: TokenStream;
  private imports = 0;

  constructor(text: string, file: string, options: ParseOptions) {
    this.file = file;
    this.env = options.env ?? process.env;
    this.readFile = options.readFile ?? readUtf8;
    this.glob = options.glob ?? globFiles;
    this.logger = options.logger ?? silentLogger;
    this.files.push(file);
    const key = resolve(file);
    this.tokens = new TokenStream({ key, tokens: lex(text, file), chain: [key] });
  }

  parse(): Corefile {
    const stream = this.tokens;
    const blocks: ServerBlock[] = [];
    for (let token = stream.next(); token !== undefined; token = stream.next()) {
      if (isImport(token)) {
        this.importAt(token);
        continue;
      }
      const block = this.serverBlock(token);
      if (block !== null) blocks.push(block);
    }
    return { file: this.file, blocks, files: this.files };
  }

  /** A server block, or null for a snippet definition, from its first key on. */
  private serverBlock(first: LexToken): ServerBlock | null {
    const keys = this.keys(first);
    const snippet = keys.length === 1 ? /^\((.*)\)$/.exec(keys[0]?.text ?? '') : null;
    if (snippet !== null) {
      this.defineSnippet(first, snippet[1] ?? '');
      return null;
    }
    if (keys.length === 0) {
      throw errorAt(first, 'server block has no key (are its keys empty after environment substitution?)');
    }
    const open = this.tokens.peek();
    if (open === undefined) return { keys, directives: [] };
    if (isBare(open, '{')) {
      this.tokens.next();
      return { keys, directives: this.directives(open) };
    }
    // A lone server block may leave out its braces: the rest of the file is its directives.
    return { keys, directives: this.directives(null) };
  }

  /**
   * The keys of a server block: the rest of the first key's line, and the next line too after a
   * trailing comma. Keys may also be separated by commas inside a token (`a.org,b.org`).
   */
  private keys(first: LexToken): Token[] {
    const keys: Token[] = [];
    let token = first;
    for (;;) {
      if (isBare(token, '{')) throw errorAt(token, "expected server block keys before '{'");
      if (isBare(token, '}')) throw errorAt(token, "unexpected '}': no matching '{'");
      const text = substituteEnv(token.text, this.env);
      for (const part of text.split(',')) {
        if (part !== '') keys.push({ text: part, file: token.file, line: token.line, quoted: token.quoted });
      }
      const expectingAnother = text.endsWith(',');
      const next = this.tokens.peek();
      if (next === undefined || isBare(next, '{')) {
        if (expectingAnother) throw errorAt(token, `expected another key after '${token.text}'`);
        return keys;
      }
      if (next.lineStart && !expectingAnother) return keys;
      this.tokens.next();
      token = next;
    }
  }

  /** Records the raw tokens of `(name) { ... }`; they are parsed where `import name` puts them. */
  private defineSnippet(first: LexToken, name: string): void {
    const open = this.tokens.next();
    if (!isBare(open, '{') || open === undefined) {
      throw errorAt(open ?? first, `snippet (${name}) needs a '{' block`);
    }
    if (this.snippets.has(name)) throw errorAt(first, `snippet (${name}) is already defined`);
    const body: LexToken[] = [];
    let depth = 0;
    for (;;) {
      const token = this.tokens.next();
      if (token === undefined) throw errorAt(open, "unclosed '{': end of input reached", `(${name})`);
      if (isBare(token, '{')) depth++;
      if (isBare(token, '}')) {
        if (depth === 0) {
          this.snippets.set(name, body);
          return;
        }
        depth--;
      }
      // The first body token may share the `{`'s line; where the snippet is imported it starts a line.
      body.push(body.length === 0 && !token.lineStart ? { ...token, lineStart: true } : token);
    }
  }

  /**
   * The directives of a block up to its closing `}` (consumed), or, with no `open`, to the end of
   * input. Each call starts at the beginning of a directive line: a new line, or right after `open`.
   */
  private directives(open: LexToken | null, owner?: string): Directive[] {
    const list: Directive[] = [];
    for (let first = true; ; first = false) {
      const token = this.tokens.next();
      if (token === undefined) {
        if (open !== null) throw errorAt(open, "unclosed '{': end of input reached", owner);
        return list;
      }
      if (isBare(token, '}')) {
        if (open === null) throw errorAt(token, "unexpected '}': no matching '{'", owner);
        return list;
      }
      if (isImport(token, token.lineStart || first)) {
        this.importAt(token);
        continue;
      }
      if (isBare(token, '{')) {
        throw errorAt(token, "unexpected '{': a block opens on the line of its directive, after its name", owner);
      }
      list.push(this.directive(token));
    }
  }

  private directive(nameToken: LexToken): Directive {
    const name = this.token(nameToken);
    const args: Token[] = [];
    let block: Directive[] | null = null;
    // A `}` ends the line early: it closes the enclosing block, which directives() consumes.
    for (let token = this.tokens.peek(); continuesLine(token); token = this.tokens.peek()) {
      this.tokens.next();
      if (isBare(token, '{')) {
        block = this.directives(token, name.text);
        const after = this.tokens.peek();
        if (continuesLine(after)) throw errorAt(after, `unexpected '${after.text}' after '}'`, name.text);
        break;
      }
      args.push(this.token(token));
    }
    return { name, args, block };
  }

  private token(raw: LexToken): Token {
    return { text: substituteEnv(raw.text, this.env), file: raw.file, line: raw.line, quoted: raw.quoted };
  }

  /** Replaces `import PATTERN` by a snippet's tokens or the tokens of the files PATTERN matches. */
  private importAt(importToken: LexToken): void {
    const chain = this.tokens.chainOfLast();
    const argument = this.tokens.peek();
    if (!continuesLine(argument)) {
      throw errorAt(importToken, 'expected a file, glob or snippet name', 'import');
    }
    this.tokens.next();
    const extra = this.tokens.peek();
    if (continuesLine(extra)) {
      throw errorAt(extra, `takes one argument, found '${extra.text}' too`, 'import');
    }
    const pattern = substituteEnv(argument.text, this.env);
    if (pattern === '') throw errorAt(argument, 'expected a non-empty file, glob or snippet name', 'import');
    if (++this.imports > MAX_IMPORTS) {
      throw errorAt(importToken, `more than ${MAX_IMPORTS} imports: are snippets importing each other?`, 'import');
    }

    const snippet = this.snippets.get(pattern);
    if (snippet !== undefined) {
      const key = `(${pattern})`;
      this.checkCycle(argument, chain, key);
      this.tokens.push([{ key, tokens: snippet, chain: [...chain, key] }]);
      return;
    }

    const base = dirname(resolve(importToken.file));
    const path = resolve(base, pattern);
    if (!hasWildcard(pattern)) {
      this.tokens.push([this.importFile(argument, chain, pattern, path)]);
      return;
    }
    const matches = this.glob(path);
    if (matches.length === 0) {
      this.logger.warn({ file: importToken.file, line: importToken.line, pattern }, 'no files match import glob');
      return;
    }
    this.tokens.push(matches.map((match) => this.importFile(argument, chain, pattern, match)));
  }

  private importFile(argument: LexToken, chain: readonly string[], pattern: string, path: string): TokenSource {
    this.checkCycle(argument, chain, path);
    let text: string;
    try {
      text = this.readFile(path);
    } catch (error) {
      throw errorAt(argument, this.describeReadFailure(pattern, path, error), 'import');
    }
    if (!this.files.includes(path)) this.files.push(path);
    return { key: path, tokens: lex(text, path), chain: [...chain, path] };
  }

  private describeReadFailure(pattern: string, path: string, error: unknown): string {
    switch (errorCode(error)) {
      case 'ENOENT': {
        const snippetHint = /^[\w.-]+$/.test(pattern) ? ' and no snippet of that name is defined above' : '';
        return `file not found: ${path}${snippetHint}`;
      }
      case 'EISDIR':
        return `cannot import ${path}: is a directory`;
      default:
        return `cannot import ${path}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private checkCycle(argument: LexToken, chain: readonly string[], key: string): void {
    if (chain.includes(key)) {
      throw errorAt(argument, `import cycle: ${[...chain.slice(chain.indexOf(key)), key].join(' -> ')}`);
    }
  }
}
