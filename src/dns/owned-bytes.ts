/**
 * A copy of `bytes` in memory of its own, for what is kept long (memoized and cached replies).
 * Small Buffers are carved out of Node's shared 64 KB pool: one kept slice holds its whole block
 * alive, with every short-lived message that was allocated beside it. After a 200k-query burst
 * over 10k services, 19k kept replies held about 380 such blocks, 24 MB of mostly dead bytes.
 */
export function ownedCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}
