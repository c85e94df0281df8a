// Four projects: pure logic in Node, control-plane code in the Workers runtime, end to end across apps, and the
// dashboard in real Chromium against the whole local stack.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          // Upper bounds, not timing assertions: CI machines have 2 cores and run the test files in parallel.
          testTimeout: 30_000,
          hookTimeout: 30_000,
          include: [
            'apps/runner/src/**/*.test.ts',
            'apps/cli/src/**/*.test.ts',
            'apps/control-plane/src/**/*.test.ts',
            'apps/dashboard/src/**/*.test.ts',
            'scripts/**/*.test.ts',
            'tests/unit/**/*.test.ts',
          ],
        },
      },
      './apps/control-plane/vitest.config.ts',
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          environment: 'node',
          include: ['tests/browser/**/*.test.ts'],
          // Builds the dashboard once, as it ships.
          globalSetup: ['tests/browser/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
