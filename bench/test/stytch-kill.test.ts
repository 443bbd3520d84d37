import { describe, expect, it } from 'vitest';
import { stytchKillViolations } from '../src/faults/invariants.ts';
import { stytchKillUnderLoad } from '../src/faults/stytch-kill.ts';
import { expectNoServerLeftBehind } from './support/no-leftovers.ts';

describe('the Stytch-like server killed with SIGKILL under load', () => {
  expectNoServerLeftBehind();

  for (const store of ['sqlite', 'postgres'] as const) {
    it(`loses no session or extension it acknowledged (${store} store): after a restart, every one authenticates`, async () => {
      const figure = await stytchKillUnderLoad({ store, loadMs: 2500, clients: 4 });
      expect(stytchKillViolations(figure)).toEqual([]);
      expect(figure.authenticated).toBe(figure.acknowledged);
      expect(figure.inFlightOutcomes['UNAVAILABLE']).toBeGreaterThan(0);
    });
  }

  it('reports every acknowledged session lost for a store that keeps nothing (memory:): the figure can fail', async () => {
    const figure = await stytchKillUnderLoad({ store: 'memory', loadMs: 1500, clients: 2 });
    expect(figure.acknowledged).toBeGreaterThan(0);
    expect(figure.lost).toBe(figure.acknowledged);
    expect(figure.verifyOutcomes).toEqual({ INVALID_TOKEN: figure.acknowledged });
    expect(stytchKillViolations(figure)).toContain(
      `${figure.lost} of ${figure.acknowledged} acknowledged sessions were lost`,
    );
  });
});
