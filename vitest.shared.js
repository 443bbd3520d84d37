// Every package's vitest run also writes a JSON report to .reports/vitest/<name>.json;
// .ci/run sums them into the closing "N passed, N failed" line.
import { fileURLToPath } from 'node:url';

const reportsDir = fileURLToPath(new URL('./.reports/vitest/', import.meta.url));

/** @param {string} name */
export function vitestReporters(name) {
  return {
    reporters: ['default', 'json'],
    outputFile: { json: `${reportsDir}${name}.json` },
  };
}
