// A node:test reporter that writes the counts of a run in the shape of vitest's JSON report, so that
// scripts/vitest-totals.mjs adds node:test runs to the closing "N passed, N failed" line of CI.
// Usage: node --test --test-reporter=spec --test-reporter-destination=stdout \
//          --test-reporter=<this file> --test-reporter-destination=<repo>/.reports/vitest/<name>.json <files>
export default async function* nodeTestReport(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let todo = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Suites (describe) pass or fail with their tests; only tests count.
    if (event.data.details?.type === 'suite') {
      // A suite that failed outside its tests (a throwing describe body) counts once.
      if (event.type === 'test:fail' && event.data.details?.error?.failureType !== 'subtestsFailed') failed += 1;
      continue;
    }
    if (event.data.todo) todo += 1;
    else if (event.data.skip) skipped += 1;
    else if (event.type === 'test:pass') passed += 1;
    else failed += 1;
  }
  yield `${JSON.stringify({ numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: todo, testResults: [] })}\n`;
}
