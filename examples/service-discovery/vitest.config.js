import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Each test starts a DNS server and waits on real sockets.
  test: { testTimeout: 20_000, hookTimeout: 20_000 },
});
