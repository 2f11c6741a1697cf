/** Polls until the check passes, failing after a bounded wait: a guard against hanging, not a measure of speed. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const stepMs = 20;
  for (let waited = 0; waited <= timeoutMs; waited += stepMs) {
    if (await check()) return;
    await sleep(stepMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
