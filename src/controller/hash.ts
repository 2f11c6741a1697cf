import { createHash } from 'node:crypto';

/**
 * The characters Kubernetes uses for generated name suffixes: no vowels (no accidental words) and
 * no look-alikes (0/o, 1/l).
 */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A 128-bit number that depends only on `text`: the start of a deterministic probe. */
export function stableHash(text: string): bigint {
  return BigInt(`0x${digest(text).subarray(0, 16).toString('hex')}`);
}

/** A short name suffix that depends only on `text`, like the API server's generateName suffix. */
export function nameSuffix(text: string, length = 5): string {
  const bytes = digest(text);
  let suffix = '';
  for (let i = 0; i < length; i++) suffix += SUFFIX_ALPHABET[(bytes[i] ?? 0) % SUFFIX_ALPHABET.length];
  return suffix;
}
