import { describe, expect, it } from 'vitest';
import { wireFrameFuzz } from '../src/faults/frame-fuzz.ts';
import { httpBodyFuzz } from '../src/faults/http-fuzz.ts';
import { frameFuzzViolations, httpFuzzViolations } from '../src/faults/invariants.ts';
import { expectNoServerLeftBehind } from './support/no-leftovers.ts';

describe('fuzzing', () => {
  expectNoServerLeftBehind();

  it('OrientDB wire frames, records, projections and tokens: every case decodes or is rejected with the typed error', async () => {
    const figure = await wireFrameFuzz({ runsPerTarget: 400 });
    expect(frameFuzzViolations(figure, 400)).toEqual([]);
    expect(figure.total).toBe(400 * figure.targets.length);
  });

  it('Stytch-like HTTP bodies: every answer is Stytch-shaped JSON, never a 5xx, and the server process stays healthy', async () => {
    const figure = await httpBodyFuzz({ cases: 2000, concurrency: 8, healthEvery: 500 });
    expect(httpFuzzViolations(figure, 2000)).toEqual([]);
    expect(figure.healthChecks).toBeGreaterThanOrEqual(4);
  });
});
