import type { LexToken } from './lexer.ts';

/** Tokens of one file or snippet, with the imports that led to it (its own key last). */
export interface TokenSource {
  /** An absolute file path, or `(name)` for a snippet. */
  readonly key: string;
  readonly tokens: readonly LexToken[];
  readonly chain: readonly string[];
}

interface Frame {
  /** Sibling sources (the files a glob matched) read one after the other. */
  readonly sources: readonly TokenSource[];
  index: number;
  position: number;
}

/**
 * The parser's input: a stack of token sources where `import` pushes the imported tokens so they
 * are read in place, as caddy splices them. Every token remembers, through its source's chain,
 * which imports led to it, so an import cycle is seen even when the import is a file's last line.
 */
export class TokenStream {
  private readonly frames: Frame[] = [];
  private lastChain: readonly string[] = [];

  constructor(main: TokenSource) {
    this.push([main]);
  }

  push(sources: readonly TokenSource[]): void {
    if (sources.length > 0) this.frames.push({ sources, index: 0, position: 0 });
  }

  peek(): LexToken | undefined {
    const frame = this.current();
    return frame?.sources[frame.index]?.tokens[frame.position];
  }

  next(): LexToken | undefined {
    const frame = this.current();
    if (frame === undefined) return undefined;
    const source = frame.sources[frame.index];
    if (source === undefined) return undefined;
    this.lastChain = source.chain;
    return source.tokens[frame.position++];
  }

  /** The import chain of the token `next()` returned last. */
  chainOfLast(): readonly string[] {
    return this.lastChain;
  }

  private current(): Frame | undefined {
    for (;;) {
      const frame = this.frames.at(-1);
      if (frame === undefined) return undefined;
      const source = frame.sources[frame.index];
      if (source !== undefined && frame.position < source.tokens.length) return frame;
      if (frame.index + 1 < frame.sources.length) {
        frame.index++;
        frame.position = 0;
      } else {
        this.frames.pop();
      }
    }
  }
}
