// Sums the JSON reports every vitest run writes to .reports/vitest/ and prints
// "N passed, N failed" (", N skipped" when any) as the closing line of a CI run.
// Usage: node scripts/vitest-totals.mjs [--runs-failed]
//   --runs-failed: a test command exited non-zero; if no report shows a failure, count one,
//   so a run that crashed before writing its report never reads as green.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../.reports/vitest/', import.meta.url));
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  // No reports at all: nothing ran.
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A file that failed to load (syntax error, failing global setup) has no tests but is a failure.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed += 1;
  }
}
if (process.argv.includes('--runs-failed') && failed === 0) failed = 1;

console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
