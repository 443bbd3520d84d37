// What each figure must show, as a list of violations: the full run prints them as its verdict, the short tests expect
// none. Each list also refuses a figure that passes vacuously (no load, no cut, no case).
import type { AuthFloodFigure } from './auth-flood.ts';
import { CORRUPTED_ANSWER_OUTCOMES, type CorruptedAnswersFigure } from './corrupted-answers.ts';
import type { CutFigure } from './mid-response-cut.ts';
import type { FrameFuzzFigure } from './frame-fuzz.ts';
import type { HttpFuzzFigure } from './http-fuzz.ts';
import type { OrientDBRestartFigure } from './orientdb-restart.ts';
import type { SoakFigure } from './soak.ts';
import type { StytchKillFigure } from './stytch-kill.ts';

/** Outcome keys other than the allowed ones, with their counts. */
function unexpected(outcomes: Record<string, number>, allowed: readonly string[]): string[] {
  return Object.entries(outcomes)
    .filter(([key, count]) => count > 0 && !allowed.includes(key))
    .map(([key, count]) => `${count} × ${key}`);
}

function check(violations: string[], ok: boolean, message: string): void {
  if (!ok) violations.push(message);
}

export function stytchKillViolations(f: StytchKillFigure): string[] {
  const v: string[] = [];
  check(v, f.acknowledged > 0, 'no session was acknowledged before the kill');
  check(v, f.inFlightAtKill > 0, 'no request was in flight at the kill: the kill was not under load');
  check(v, f.lost === 0, `${f.lost} of ${f.acknowledged} acknowledged sessions were lost`);
  check(v, f.extensionsLost === 0, `${f.extensionsLost} acknowledged extensions were lost`);
  const inFlight = unexpected(f.inFlightOutcomes, ['UNAVAILABLE', 'answered']);
  check(v, inFlight.length === 0, `requests cut by the kill ended otherwise than UNAVAILABLE: ${inFlight.join(', ')}`);
  const ended = Object.values(f.inFlightOutcomes).reduce((sum, count) => sum + count, 0);
  check(
    v,
    ended === f.inFlightAtKill,
    `${f.inFlightAtKill} requests were in flight at the kill, ${ended} of them ended`,
  );
  const verify = unexpected(f.verifyOutcomes, ['ok']);
  check(v, verify.length === 0, `reattaching after the restart failed: ${verify.join(', ')}`);
  return v;
}

export function orientdbRestartViolations(f: OrientDBRestartFigure): string[] {
  const v: string[] = [];
  check(v, f.hangs === 0, `${f.hangs} calls took longer than ${f.boundMs} ms (connect + one answer)`);
  check(
    v,
    f.longestFailureMs <= f.boundMs,
    `the longest failure took ${f.longestFailureMs} ms, over the ${f.boundMs} ms bound`,
  );
  for (const [phase, outcomes] of Object.entries(f.outcomes)) {
    const other = unexpected(outcomes, ['ok', 'UNAVAILABLE']);
    check(v, other.length === 0, `${phase}: calls ended otherwise than ok or UNAVAILABLE: ${other.join(', ')}`);
  }
  const closes = unexpected(f.closeOutcomes, ['ok']);
  check(v, closes.length === 0, `close() failed: ${closes.join(', ')}`);
  check(
    v,
    (f.outcomes.frozen['UNAVAILABLE'] ?? 0) > 0,
    'no call failed while the server was frozen: the freeze was not under load',
  );
  check(
    v,
    (f.outcomes.restarting['UNAVAILABLE'] ?? 0) > 0,
    'no call failed during the restart: the restart was not under load',
  );
  check(
    v,
    f.recoveredAfterFreeze === f.clients,
    `${f.clients - f.recoveredAfterFreeze} clients never succeeded after the freeze`,
  );
  check(v, f.recovered === f.clients, `${f.clients - f.recovered} clients never reattached after the restart`);
  return v;
}

export function cutViolations(f: CutFigure & { loginsCut?: number; sessionsFromCutLogins?: number }): string[] {
  const v: string[] = [];
  for (const s of f.scenarios) {
    check(v, s.cases > 0 && s.cut === s.cases, `${s.scenario}: ${s.cut} of ${s.cases} responses were cut`);
    const other = unexpected(s.outcomes, ['UNAVAILABLE']);
    check(v, other.length === 0, `${s.scenario}: cut calls ended otherwise than UNAVAILABLE: ${other.join(', ')}`);
    check(
      v,
      s.longestMs < f.timeoutMs,
      `${s.scenario}: a cut was noticed only after ${s.longestMs} ms (timeout ${f.timeoutMs} ms)`,
    );
    const same = unexpected(s.sameProviderAfter, ['ok']);
    check(v, same.length === 0, `${s.scenario}: the same provider failed afterwards: ${same.join(', ')}`);
    const fresh = unexpected(s.newProviderAfter, ['ok']);
    check(v, fresh.length === 0, `${s.scenario}: a new provider failed afterwards: ${fresh.join(', ')}`);
  }
  if (f.loginsCut !== undefined) {
    check(
      v,
      f.sessionsFromCutLogins === f.loginsCut,
      `${f.loginsCut} cut logins started ${f.sessionsFromCutLogins} sessions: a login was sent twice`,
    );
  }
  return v;
}

export interface SoakBounds {
  readonly heapGrowthMb: number;
  /** Growth of RSS outside the JS heap: the native-leak criterion. */
  readonly nativeGrowthMb: number;
  readonly rssGrowthMb: number;
  /** Sockets open at once during the soak. */
  readonly sockets: number;
  /**
   * Share of the target rate the soak must reach, and whether ticks skipped while the server was behind count against
   * it. `null` judges neither: the short soak in `bench/test` runs beside other test processes, where falling behind
   * says more about the machine than the code; the documented run (`pnpm reliability`) judges both.
   */
  readonly minRateShare: number | null;
}

export function soakViolations(f: SoakFigure, bounds: SoakBounds): string[] {
  const v: string[] = [];
  const judgeRate = bounds.minRateShare !== null;
  const allowed = judgeRate ? ['ok'] : ['ok', 'skipped'];
  const stytchFailed = unexpected(f.stytch, allowed);
  check(v, stytchFailed.length === 0, `Stytch-like requests failed or were skipped: ${stytchFailed.join(', ')}`);
  const orientFailed = unexpected(f.orientdb, allowed);
  check(v, orientFailed.length === 0, `OrientDB rounds failed or were skipped: ${orientFailed.join(', ')}`);
  if (bounds.minRateShare !== null) {
    check(
      v,
      f.stytchPerSecond >= f.stytchRate * bounds.minRateShare,
      `Stytch-like ran at ${f.stytchPerSecond}/s of ${f.stytchRate}/s`,
    );
    check(
      v,
      f.orientdbPerSecond >= f.orientdbRate * bounds.minRateShare,
      `OrientDB ran at ${f.orientdbPerSecond}/s of ${f.orientdbRate}/s`,
    );
  }
  check(
    v,
    f.heapGrowthMb <= bounds.heapGrowthMb,
    `the heap grew by ${f.heapGrowthMb} MB (bound ${bounds.heapGrowthMb} MB)`,
  );
  check(
    v,
    f.nativeGrowthMb <= bounds.nativeGrowthMb,
    `RSS outside the JS heap grew by ${f.nativeGrowthMb} MB (bound ${bounds.nativeGrowthMb} MB)`,
  );
  check(v, f.rssGrowthMb <= bounds.rssGrowthMb, `RSS grew by ${f.rssGrowthMb} MB (bound ${bounds.rssGrowthMb} MB)`);
  check(v, f.maxSockets <= bounds.sockets, `${f.maxSockets} sockets were open at once (bound ${bounds.sockets})`);
  check(
    v,
    f.socketsAtEnd <= f.socketsAtStart,
    `${f.socketsAtEnd} sockets were left open at the end (${f.socketsAtStart} at the start)`,
  );
  return v;
}

export function frameFuzzViolations(f: FrameFuzzFigure, runsPerTarget: number): string[] {
  const v: string[] = [];
  check(v, f.crashes === 0, `a decoder crashed: ${f.crash}`);
  for (const t of f.targets) {
    check(v, t.runs === runsPerTarget, `${t.target}: ${t.runs} of ${runsPerTarget} cases ran`);
    // Both outcomes must occur, or the inputs do not exercise the decoder.
    check(v, t.decoded > 0 && t.rejected > 0, `${t.target}: ${t.decoded} decoded, ${t.rejected} rejected`);
  }
  check(v, f.crashes > 0 || f.targets.length > 0, 'no decoder target ran');
  return v;
}

export function httpFuzzViolations(f: HttpFuzzFigure, cases: number): string[] {
  const v: string[] = [];
  check(v, f.cases === cases, `${f.cases} of ${cases} cases were sent`);
  check(v, f.serverErrors === 0, `${f.serverErrors} answers were 5xx`);
  check(v, f.malformed === 0, `${f.malformed} answers were not Stytch-shaped JSON`);
  check(v, f.networkFailures === 0, `${f.networkFailures} requests got no answer`);
  check(v, f.processAlive, 'the server process died');
  check(
    v,
    f.healthChecks > 0 && f.healthy === f.healthChecks,
    `${f.healthy} of ${f.healthChecks} health checks answered 200`,
  );
  check(v, f.canaryAuthenticates, 'a session untouched by the fuzzing no longer authenticates');
  check(
    v,
    (f.outcomes['200'] ?? 0) > 0 && Object.keys(f.outcomes).length > 5,
    `the cases reached too few outcomes: ${JSON.stringify(f.outcomes)}`,
  );
  return v;
}

export function corruptedAnswersViolations(f: CorruptedAnswersFigure): string[] {
  const v: string[] = [];
  check(v, f.cases > 0 && f.corrupted === f.cases, `${f.corrupted} of ${f.cases} answers were corrupted`);
  for (const [target, outcomes] of Object.entries(f.outcomes)) {
    const other = unexpected(outcomes, CORRUPTED_ANSWER_OUTCOMES);
    check(
      v,
      other.length === 0,
      `${target}: calls ended otherwise than with rows or a typed error: ${other.join(', ')}`,
    );
  }
  const protocol = Object.values(f.outcomes).reduce((sum, o) => sum + (o['PROTOCOL'] ?? 0), 0);
  check(v, protocol > 0, 'no corrupted answer was refused as PROTOCOL: the corruption did not reach the decoders');
  check(v, f.longestMs <= 2 * f.timeoutMs, `a call took ${f.longestMs} ms (bound ${2 * f.timeoutMs} ms)`);
  const after = unexpected(f.sameProviderAfter, ['ok', 'ok after one UNAVAILABLE']);
  check(v, after.length === 0, `the provider failed afterwards: ${after.join(', ')}`);
  return v;
}

/** The flood's bound on session checks: p99 during the flood within this factor of p99 without it. */
export const AUTH_FLOOD_MAX_P99_RATIO = 2;

/**
 * Session checks answer every time, flood or not; the flood is answered 401 or 429, never 5xx; and, in the full run,
 * the flood's p99 stays within {@link AUTH_FLOOD_MAX_P99_RATIO} of the quiet p99 (the short test leaves timing out).
 */
export function authFloodViolations(f: AuthFloodFigure, options: { checkRatio: boolean }): string[] {
  const violations: string[] = [];
  check(violations, f.quiet.checks > 0 && f.flood.checks > 0, 'no session check was measured');
  check(
    violations,
    f.quiet.failed === 0 && f.flood.failed === 0,
    `${f.quiet.failed + f.flood.failed} session checks failed`,
  );
  const answered = (f.floodStatuses['401'] ?? 0) + (f.floodStatuses['429'] ?? 0);
  check(violations, answered > 0, 'the flood never reached the server');
  const other = unexpected(f.floodStatuses, ['401', '429', 'network error']);
  check(violations, other.length === 0, `the flood was answered with ${other.join(', ')}`);
  if (options.checkRatio) {
    check(
      violations,
      f.p99Ratio <= AUTH_FLOOD_MAX_P99_RATIO,
      `p99 during the flood is ${f.p99Ratio}× the quiet p99 (bound ${AUTH_FLOOD_MAX_P99_RATIO}×)`,
    );
  }
  return violations;
}
