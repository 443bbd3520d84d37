import { defineConfig } from 'vitest/config';

// `pnpm fuzz`: the decoder fuzz test alone, 100 000 cases per target, no OrientDB server needed.
export default defineConfig({
  test: {
    include: ['test/fuzz.test.ts'],
    env: { FUZZ_RUNS: '100000' },
    testTimeout: 1_800_000,
  },
});
