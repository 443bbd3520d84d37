import { defineConfig } from 'vitest/config';
import { vitestReporters } from '../vitest.shared.js';

// The short versions of the fault figures run in `pnpm test`; the full ones are `pnpm reliability`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One figure at a time: each puts load on a shared two-core machine and measures how long calls wait.
    fileParallelism: false,
    ...vitestReporters('bench'),
  },
});
