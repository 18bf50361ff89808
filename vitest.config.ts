import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // expect.poll waits for something another process or the UI does; its 1 s default is shorter than a screen's answer
    // takes on a loaded CI machine (two cores, two Chromiums): a poll fails only when the thing never happens.
    expect: { poll: { timeout: 15_000 } },
    // One throwaway PostgreSQL cluster per run, for the metadata store's PostgreSQL tests (test/support/postgres.ts).
    globalSetup: ['test/support/postgres-cluster.ts'],
    // Two cores: keep heavy suites (DuckDB, Chromium) from starving each other.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
