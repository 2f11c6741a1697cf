#!/usr/bin/env node
// The compiled server: `npm install` builds dist/ from src/ (the `prepare` script).
let launch;
try {
  launch = await import('../dist/launch/memory.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  process.stderr.write('clusterdns is not built: run `npm run build` (npm install runs it)\n');
  process.exit(1);
}
launch.relaunchWithMemorySettings();
await import('../dist/cli.js');
