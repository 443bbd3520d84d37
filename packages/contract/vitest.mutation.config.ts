import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The contract suite against the reference provider, with core from its sources so Stryker's mutants of
// BaseSessionTokenProvider are the code under test (the package normally loads core's build).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: { '@sessiontoken/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/reference.test.ts'],
  },
});
