import { expect, it } from 'vitest';
import { fuzzDecoders } from '../src/testing/index.js';

// `pnpm test` runs a few thousand cases; `pnpm fuzz` runs 100 000 per target (FUZZ_RUNS, see vitest.fuzz.config.ts).
const runs = Number(process.env['FUZZ_RUNS'] ?? 1000);

it(`frame, record, projection and token decoders give only PROTOCOL / INVALID_TOKEN errors on random and mutated bytes (${runs} cases per target)`, () => {
  const counts = fuzzDecoders(runs);
  console.log(
    [
      'fuzz: target | runs | decoded | rejected',
      ...counts.map((c) => `fuzz: ${c.target} | ${c.runs} | ${c.decoded} | ${c.rejected}`),
      `fuzz: total ${counts.reduce((n, c) => n + c.runs, 0)} cases`,
    ].join('\n'),
  );
  for (const count of counts) {
    expect(count.runs).toBe(runs);
    // Both outcomes must occur, or the inputs are not exercising the decoder.
    expect(count.decoded, `${count.target} decoded some inputs`).toBeGreaterThan(0);
    expect(count.rejected, `${count.target} rejected some inputs`).toBeGreaterThan(0);
  }
}, 600_000);
