import { defineConfig } from 'vitest/config';

// `npm test`: unit, checker and integration tests on this machine. The real-kernel suite
// (test/kernel) needs a VM and runs through `npm run test:kernel`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/kernel/**', 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    restoreMocks: true,
    globalSetup: ['test/kernel-suite-notice.ts'],
  },
});
