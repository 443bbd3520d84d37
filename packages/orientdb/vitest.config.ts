import { defineConfig } from 'vitest/config';
import { vitestReporters } from '../../vitest.shared.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // The first run downloads OrientDB with Maven; starting the JVM takes seconds on a shared machine.
    hookTimeout: 600_000,
    testTimeout: 60_000,
    ...vitestReporters('orientdb'),
  },
});
