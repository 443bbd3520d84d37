import { describe, expect, it } from 'vitest';
import { authFlood } from '../src/faults/auth-flood.ts';
import { authFloodViolations } from '../src/faults/invariants.ts';
import { expectNoServerLeftBehind } from './support/no-leftovers.ts';

describe('a wrong-password flood against session checks', () => {
  expectNoServerLeftBehind();

  it('keeps answering every session check while 16 clients flood logins, which get only 401 or 429', async () => {
    const figure = await authFlood({
      floodClients: 16,
      checkers: 2,
      phaseMs: 2000,
      checkIntervalMs: 50,
      scrypt: { logCost: 12, parallelization: 5 },
    });
    // Timing is the full run's business (pnpm reliability); here the outcomes must hold.
    expect(authFloodViolations(figure, { checkRatio: false })).toEqual([]);
    expect(figure.floodStatuses['429']).toBeGreaterThan(0);
    expect(figure.floodReasons).toHaveProperty('password_hashing_busy');
    expect(figure.scrypt).toEqual({ logCost: 12, blockSize: 8, parallelization: 5 });
  });

  it('reports a flood answered with 5xx, or a failed check, as violations: the figure can fail', () => {
    const quiet = { checks: 10, failed: 0, p50Ms: 1, p99Ms: 2, maxMs: 3 };
    const figure = {
      floodClients: 1,
      checkers: 1,
      phaseMs: 1,
      checkIntervalMs: 1,
      scrypt: { logCost: 14, blockSize: 8, parallelization: 5 },
      loginMs: 1,
      quiet,
      flood: { ...quiet, failed: 2, p99Ms: 5 },
      p99Ratio: 2.5,
      floodStatuses: { '429': 3, '503': 1 },
      floodReasons: {},
    };
    expect(authFloodViolations(figure, { checkRatio: true })).toEqual([
      '2 session checks failed',
      'the flood was answered with 1 × 503',
      'p99 during the flood is 2.5× the quiet p99 (bound 2×)',
    ]);
  });
});
