// Mutation testing of the contract suite (pnpm test:mutation): Stryker mutates the reference provider and core's
// BaseSessionTokenProvider; the contract suite run against the reference provider must kill the mutants, with core's
// unit tests of BaseSessionTokenProvider for what only an adapter's internals reach (packages/contract/vitest.mutation.config.ts).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'packages/contract/vitest.mutation.config.ts' },
  mutate: [
    'packages/contract/src/reference/**/*.ts',
    'packages/core/src/base-provider.ts',
    'packages/core/src/session-snapshot.ts',
  ],
  coverageAnalysis: 'perTest',
  reporters: ['json', 'html', 'clear-text', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  // Only what the run needs is copied into Stryker's sandbox.
  ignorePatterns: [
    '/apps',
    '/bench',
    '/docs',
    '/packages/orientdb',
    '/packages/stytch-like',
    '/.reports',
    '/reports',
    '**/dist',
    '.turbo',
  ],
  tempDirName: '.stryker-tmp',
  concurrency: 2,
  thresholds: { high: 95, low: 90, break: 90 },
};
