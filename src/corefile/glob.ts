import { readdirSync, statSync } from 'node:fs';
import { join, parse as parsePath, sep } from 'node:path';

/** True when an import pattern has wildcards; a pattern without them names one file that must exist. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

/**
 * The paths matching an absolute pattern, sorted as Go's filepath.Glob sorts them: `*` matches any
 * run of characters but the separator (dot files included), `?` one character. Character classes
 * are not supported: `[` is literal.
 */
export function globFiles(pattern: string): string[] {
  const { root } = parsePath(pattern);
  const parts = pattern.slice(root.length).split(sep).filter((part) => part !== '');
  let candidates = [root];
  for (const part of parts) {
    if (!hasWildcard(part)) {
      candidates = candidates.map((dir) => join(dir, part));
      continue;
    }
    const matcher = wildcardRegExp(part);
    const next: string[] = [];
    for (const dir of candidates) {
      for (const name of listDirectory(dir)) if (matcher.test(name)) next.push(join(dir, name));
    }
    candidates = next;
  }
  return candidates.filter(exists);
}

function wildcardRegExp(part: string): RegExp {
  let source = '';
  for (const ch of part) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[\\^$.+()[\]{}|/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
