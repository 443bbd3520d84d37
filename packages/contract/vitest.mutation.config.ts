import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The contract suite against the reference provider, with core from its sources so Stryker's mutants of
// BaseSessionTokenProvider are the code under test (the package normally loads core's build). Core's own unit tests
// of BaseSessionTokenProvider run too, for what only an adapter's internals reach: the protected helpers, the INTERNAL
// wrapping of a raw error, a failing releaseResources().
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: {
    alias: { '@sessiontoken/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['contract/test/reference.test.ts', 'core/test/base-provider.test.ts'],
  },
});
