import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    reporters: ['default', './tests/support/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll gives up after 1 s by default: a browser page on two busy cores can take longer to
    // re-render, and a poll that outlives the wait only costs time when the test would fail anyway.
    expect: { poll: { timeout: 30_000 } },
    setupFiles: ['tests/support/deprecations.ts'],
    // Two cores here: more workers only fight over them.
    maxWorkers: 2,
  },
});
