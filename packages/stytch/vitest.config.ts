import { defineConfig } from 'vitest/config';
import { vitestReporters } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    ...vitestReporters('stytch'),
  },
});
