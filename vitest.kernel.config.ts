import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// `npm run test:kernel`: the real-kernel suite. scripts/kernel-suite.mjs runs it inside a throwaway
// VM (scripts/vm/), where the project is mounted read-only, so every cache goes to /tmp. All files
// share one kernel IPVS table, so they run one after another. TCG emulation is slow: generous
// timeouts.
export default defineConfig({
  cacheDir: join(tmpdir(), 'vitest-kernel-cache'),
  test: {
    include: ['test/kernel/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    restoreMocks: true,
  },
});
