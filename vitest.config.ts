import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests sit beside their modules; test/ holds the integration, chaos and end-to-end suites.
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.tools/**', '.omnijourney/**', 'dist/**'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-file.ts'],
    // Temporal's native worker wants a process of its own, not a worker thread.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
});
