import { describe, expect, it } from 'vitest';
import { substituteEnv } from './env.ts';

const env = { ZONE: 'cluster.local', PORT: '1053', SPACED: 'a b', SELF: '{$SELF}' };

describe('substituteEnv', () => {
  it('replaces {$VAR} and {%VAR%} references, several per token, inside other text', () => {
    expect(substituteEnv('{$ZONE}:{$PORT}', env)).toBe('cluster.local:1053');
    expect(substituteEnv('{%ZONE%}', env)).toBe('cluster.local');
    expect(substituteEnv('pre-{$PORT}-{%PORT%}-post', env)).toBe('pre-1053-1053-post');
  });

  it('replaces an unset variable with nothing', () => {
    expect(substituteEnv('{$NOPE}', env)).toBe('');
    expect(substituteEnv('x{%NOPE%}y', env)).toBe('xy');
  });

  it('keeps a value whole, and does not expand references inside the value', () => {
    expect(substituteEnv('{$SPACED}', env)).toBe('a b');
    expect(substituteEnv('{$SELF}', env)).toBe('{$SELF}');
  });

  it('leaves text without a complete reference as written', () => {
    expect(substituteEnv('{remote}', env)).toBe('{remote}');
    expect(substituteEnv('{$ZONE', env)).toBe('{$ZONE');
    expect(substituteEnv('{$}', env)).toBe('{$}');
    expect(substituteEnv('{', env)).toBe('{');
  });
});
