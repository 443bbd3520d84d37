import { defineConfig } from 'vitest/config';
import { vitestReporters } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    ...vitestReporters('orientdb-server'),
  },
});
