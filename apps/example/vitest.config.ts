import { defineConfig } from 'vitest/config';
import { vitestReporters } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    ...vitestReporters('example'),
  },
});
