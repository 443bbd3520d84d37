import { describe, expect, it } from 'vitest';
import type { CutFigure } from '../src/faults/mid-response-cut.ts';
import type { HttpFuzzFigure } from '../src/faults/http-fuzz.ts';
import {
  cutViolations,
  httpFuzzViolations,
  orientdbRestartViolations,
  soakViolations,
} from '../src/faults/invariants.ts';
import type { OrientDBRestartFigure } from '../src/faults/orientdb-restart.ts';
import type { SoakFigure } from '../src/faults/soak.ts';

// The figures' checks must be able to fail: each healthy figure below passes, and each single fault is reported.

const restart: OrientDBRestartFigure = {
  clients: 2,
  timeoutMs: 1000,
  boundMs: 2000,
  freezeMs: 2500,
  restart: { downMs: 3000, stopMs: 500, startMs: 2500 },
  outcomes: {
    before: { ok: 10 },
    frozen: { ok: 1, UNAVAILABLE: 2 },
    thawed: { ok: 4 },
    restarting: { ok: 3, UNAVAILABLE: 5 },
    after: { ok: 6 },
  },
  closeOutcomes: { ok: 12 },
  hangs: 0,
  longestOkMs: 300,
  longestFailureMs: 1001,
  recoveredAfterFreeze: 2,
  recovered: 2,
  recoveryMs: 40,
  notes: [],
};

const cut: CutFigure & { loginsCut: number; sessionsFromCutLogins: number } = {
  backend: 'stytch-like',
  timeoutMs: 5000,
  scenarios: [
    {
      scenario: 'login',
      cases: 4,
      cut: 4,
      outcomes: { UNAVAILABLE: 4 },
      longestMs: 5,
      sameProviderAfter: { ok: 4 },
      newProviderAfter: { ok: 4 },
    },
  ],
  notes: [],
  loginsCut: 4,
  sessionsFromCutLogins: 4,
};

const sample = { atMs: 0, rssMb: 100, heapTotalMb: 40, heapUsedMb: 20, resources: { TCPSocketWrap: 4 } };
const soak: SoakFigure = {
  durationMs: 5000,
  stytchRate: 100,
  orientdbRate: 10,
  stytch: { ok: 500 },
  orientdb: { ok: 50 },
  stytchPerSecond: 100,
  orientdbPerSecond: 10,
  before: sample,
  after: sample,
  heapGrowthMb: 0.5,
  rssGrowthMb: 3,
  nativeGrowthMb: 1,
  maxHeapUsedMb: 25,
  maxRssMb: 110,
  maxSockets: 20,
  socketsAtStart: 0,
  socketsAtEnd: 0,
  resourcesAtStart: {},
  resourcesAtEnd: {},
  samples: [sample],
  notes: [],
};
const bounds = { heapGrowthMb: 10, nativeGrowthMb: 32, rssGrowthMb: 64, sockets: 160, minRateShare: 0.9 };

const fuzz: HttpFuzzFigure = {
  cases: 100,
  concurrency: 4,
  seed: 1,
  kinds: { 'random JSON': 100 },
  outcomes: {
    '200': 5,
    '400 invalid_json': 50,
    '400 unknown_field': 20,
    '404 session_not_found': 10,
    '401 invalid_secret_authentication': 10,
    '415 unsupported_media_type': 5,
  },
  serverErrors: 0,
  malformed: 0,
  networkFailures: 0,
  healthChecks: 2,
  healthy: 2,
  processAlive: true,
  canaryAuthenticates: true,
  requestsPerSecond: 1000,
  examples: [],
};

describe('the invariants of the figures', () => {
  it('hold for healthy figures', () => {
    expect(orientdbRestartViolations(restart)).toEqual([]);
    expect(cutViolations(cut)).toEqual([]);
    expect(soakViolations(soak, bounds)).toEqual([]);
    expect(httpFuzzViolations(fuzz, 100)).toEqual([]);
  });

  it('report a hang, a raw error, a client that never came back, and a restart that nobody felt', () => {
    expect(orientdbRestartViolations({ ...restart, hangs: 1, longestFailureMs: 12_000 })).toHaveLength(2);
    expect(
      orientdbRestartViolations({
        ...restart,
        outcomes: { ...restart.outcomes, after: { ok: 5, 'raw TypeError': 1 } },
      }),
    ).toEqual(['after: calls ended otherwise than ok or UNAVAILABLE: 1 × raw TypeError']);
    expect(orientdbRestartViolations({ ...restart, recovered: 1 })).toEqual([
      '1 clients never reattached after the restart',
    ]);
    expect(
      orientdbRestartViolations({ ...restart, outcomes: { ...restart.outcomes, restarting: { ok: 8 } } }),
    ).toHaveLength(1);
  });

  it('report a cut that succeeded, a cut noticed only by the timeout, a provider unusable afterwards, and a login sent twice', () => {
    const only = (change: Partial<CutFigure['scenarios'][number]>) => ({
      ...cut,
      scenarios: [{ ...cut.scenarios[0]!, ...change }],
    });
    expect(cutViolations(only({ outcomes: { UNAVAILABLE: 3, ok: 1 } }))).toHaveLength(1);
    expect(cutViolations(only({ longestMs: 5000 }))).toHaveLength(1);
    expect(cutViolations(only({ sameProviderAfter: { ok: 3, UNAVAILABLE: 1 } }))).toHaveLength(1);
    expect(cutViolations(only({ cut: 3 }))).toHaveLength(1);
    expect(cutViolations({ ...cut, sessionsFromCutLogins: 6 })).toEqual([
      '4 cut logins started 6 sessions: a login was sent twice',
    ]);
  });

  it('report heap or native growth, a failed or skipped request, a rate not reached and a socket left open', () => {
    expect(soakViolations({ ...soak, heapGrowthMb: 12 }, bounds)).toHaveLength(1);
    expect(soakViolations({ ...soak, nativeGrowthMb: 40 }, bounds)).toHaveLength(1);
    expect(soakViolations({ ...soak, stytch: { ok: 499, skipped: 1 } }, bounds)).toHaveLength(1);
    expect(soakViolations({ ...soak, orientdbPerSecond: 8 }, bounds)).toHaveLength(1);
    expect(soakViolations({ ...soak, socketsAtEnd: 1 }, bounds)).toHaveLength(1);
  });

  it('without a rate bound, let skipped ticks and a slow rate pass but still report a failed request or a leak', () => {
    const unjudged = { ...bounds, minRateShare: null };
    expect(soakViolations({ ...soak, stytch: { ok: 400, skipped: 100 }, stytchPerSecond: 80 }, unjudged)).toEqual([]);
    expect(soakViolations({ ...soak, orientdbPerSecond: 1 }, unjudged)).toEqual([]);
    expect(soakViolations({ ...soak, stytch: { ok: 499, UNAVAILABLE: 1 } }, unjudged)).toHaveLength(1);
    expect(soakViolations({ ...soak, heapGrowthMb: 12 }, unjudged)).toHaveLength(1);
    expect(soakViolations({ ...soak, socketsAtEnd: 1 }, unjudged)).toHaveLength(1);
  });

  it('report a 5xx, a malformed answer, a dead process and an unhealthy server', () => {
    expect(httpFuzzViolations({ ...fuzz, serverErrors: 1 }, 100)).toHaveLength(1);
    expect(httpFuzzViolations({ ...fuzz, malformed: 2 }, 100)).toHaveLength(1);
    expect(httpFuzzViolations({ ...fuzz, processAlive: false }, 100)).toHaveLength(1);
    expect(httpFuzzViolations({ ...fuzz, healthy: 1 }, 100)).toHaveLength(1);
  });
});
