import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../../test-support/log.ts';
import { withTempDir } from '../../test-support/temp-dir.ts';
import { eventually } from '../../test-support/wait.ts';
import { ManifestWatcher } from './watch.ts';

describe('ManifestWatcher', () => {
  it('falls back to polling when fs.watch cannot watch a path, and still reports changes', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'later.yaml');
      const { logger, lines } = recordingLogger();
      let changes = 0;
      const watcher = new ManifestWatcher({ paths: [file], logger, pollIntervalMs: 50, onChange: () => void changes++ });
      try {
        watcher.start();
        expect(watcher.mode).toBe('polling');
        expect(lines.some((line) => line.level === 40 && line.msg.includes('polling'))).toBe(true);
        // The fallback itself reports a change, since events may have been missed.
        await eventually(() => changes === 1, 'the fallback change');
        await writeFile(file, 'x');
        await eventually(() => changes === 2, 'the polled change');
      } finally {
        watcher.close();
      }
    });
  });

});
