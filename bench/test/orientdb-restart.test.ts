import { describe, expect, it } from 'vitest';
import { orientdbRestartViolations } from '../src/faults/invariants.ts';
import { orientdbRestartUnderLoad } from '../src/faults/orientdb-restart.ts';
import { expectNoServerLeftBehind } from './support/no-leftovers.ts';

describe('OrientDB frozen, then restarted, under load', () => {
  expectNoServerLeftBehind();

  it('ends every call ok or UNAVAILABLE within connect + answer timeouts, and every client reattaches afterwards', async () => {
    const figure = await orientdbRestartUnderLoad({
      clients: 4,
      timeoutMs: 1000,
      loadBeforeMs: 1000,
      freezeMs: 2500,
      successesAfter: 2,
      recoverWithinMs: 30_000,
    });
    expect(orientdbRestartViolations(figure)).toEqual([]);
    // While the JVM is stopped only the timeouts can end a call: the longest failure is about timeoutMs, not more.
    expect(figure.longestFailureMs).toBeGreaterThanOrEqual(figure.timeoutMs - 50);
    expect(figure.longestFailureMs).toBeLessThanOrEqual(figure.boundMs);
    expect(figure.recovered).toBe(figure.clients);
  });
});
