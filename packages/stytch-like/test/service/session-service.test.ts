import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SESSION_CLAIM } from '../../src/model/stytch-types.js';
import { StytchLikeSessionService, sweepDelayMs } from '../../src/server/service/session-service.js';
import { MemorySessionStore } from '../../src/server/store/memory.js';
import { EXPIRED_SESSION_RETENTION_MS, type SessionStore } from '../../src/server/store/session-store.js';
import { ManualClock } from '../helpers/clock.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { apiRejection } from '../helpers/servers.js';

const MINUTE = 60_000;
const PASSWORD = 'correct horse battery staple';

describe('StytchLikeSessionService', () => {
  let store: MemorySessionStore;
  let clock: ManualClock;
  let service: StytchLikeSessionService;
  const { projectId } = testProject();

  beforeEach(() => {
    store = new MemorySessionStore();
    clock = new ManualClock(new Date('2030-01-01T00:00:00.000Z'));
    service = new StytchLikeSessionService({
      store,
      projectId,
      clock: clock.now,
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
    });
  });
  afterEach(async () => {
    await service.close();
    await store.close();
  });

  const email = () => `u-${randomUUID()}@example.test`;
  const rejection = apiRejection;

  it('creates a user with a 60-minute session, a 44-character token and a signed JWT', async () => {
    const result = await service.createPasswordUser({ email: email(), password: PASSWORD });
    expect(result.sessionToken).toMatch(/^[A-Za-z0-9_-]{44}$/);
    expect(Date.parse(result.session.expires_at) - Date.parse(result.session.started_at)).toBe(60 * MINUTE);
    expect(result.session.authentication_factors).toEqual([
      expect.objectContaining({ type: 'password', delivery_method: 'knowledge' }),
    ]);
    expect(result.user.emails[0]?.email).toMatch(/@example\.test$/);
    expect(decodeProtectedHeader(result.sessionJwt)).toMatchObject({
      alg: 'RS256',
      typ: 'JWT',
      kid: expect.stringMatching(/^jwk-test-/),
    });
    const claims = decodeJwt(result.sessionJwt);
    expect(claims).toMatchObject({ sub: result.user.user_id, iss: `stytch.com/${projectId}`, aud: [projectId] });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(claims.nbf).toBe(claims.iat);
    expect(claims[SESSION_CLAIM]).toMatchObject({
      id: result.session.session_id,
      expires_at: result.session.expires_at,
    });
  });

  it('stores only the SHA-256 of the token secret, never the token', async () => {
    const { sessionToken, session } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    const stored = await store.findSessionById(session.session_id);
    expect(JSON.stringify(stored)).not.toContain(sessionToken);
    expect(JSON.stringify(stored)).not.toContain(sessionToken.slice(16));
    expect(stored?.secretHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('authenticates without a duration leaving the expiry as is, and with one extending it from now', async () => {
    const { sessionToken, session } = await service.createPasswordUser({
      email: email(),
      password: PASSWORD,
      sessionDurationMinutes: 30,
    });
    clock.advance(10 * MINUTE);
    const plain = await service.authenticateSession({ sessionToken });
    expect(plain.session.expires_at).toBe(session.expires_at);
    expect(plain.session.last_accessed_at).toBe(clock.now().toISOString());
    expect(plain.sessionToken).toBe(sessionToken);
    const extended = await service.authenticateSession({ sessionToken, sessionDurationMinutes: 120 });
    expect(extended.session.expires_at).toBe(new Date(clock.now().getTime() + 120 * MINUTE).toISOString());
  });

  it('marks an update as last-access-only exactly when nothing but the access time changes (a store without recordAccess)', async () => {
    // The path every store can take: find, update, read the user.
    Object.assign(store, { recordAccess: undefined });
    const address = email();
    const { sessionToken } = await service.createPasswordUser({ email: address, password: PASSWORD });
    const hints: (boolean | undefined)[] = [];
    const updateSession = store.updateSession.bind(store);
    (store as SessionStore).updateSession = (sessionId, update, options) => {
      hints.push(options?.lastAccessOnly);
      return updateSession(sessionId, update);
    };
    await service.authenticateSession({ sessionToken });
    await service.authenticateSession({ sessionToken, sessionDurationMinutes: 90 });
    await service.authenticateSession({ sessionToken, sessionCustomClaims: { plan: 'pro' } });
    await service.authenticatePassword({ email: address, password: PASSWORD, sessionToken });
    expect(hints).toEqual([true, false, false, false]);
  });

  it('accepts session_duration_minutes 5 and 527040 and refuses 4, 527041, 5.5 and "10"', async () => {
    const { sessionToken } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    await expect(service.authenticateSession({ sessionToken, sessionDurationMinutes: 5 })).resolves.toBeTruthy();
    await expect(service.authenticateSession({ sessionToken, sessionDurationMinutes: 527_040 })).resolves.toBeTruthy();
    for (const bad of [4, 527_041, 5.5, '10']) {
      const error = await rejection(
        service.authenticateSession({ sessionToken, sessionDurationMinutes: bad as number }),
      );
      expect(error).toMatchObject({ errorType: 'invalid_session_duration_minutes', statusCode: 400 });
    }
  });

  it('needs exactly one of session_token and session_jwt', async () => {
    const { sessionToken, sessionJwt } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    expect(await rejection(service.authenticateSession({}))).toMatchObject({ errorType: 'no_session_arguments' });
    expect(await rejection(service.authenticateSession({ sessionToken, sessionJwt }))).toMatchObject({
      errorType: 'too_many_session_arguments',
    });
    expect(await rejection(service.revokeSession({}))).toMatchObject({ errorType: 'no_session_arguments' });
    expect(await rejection(service.revokeSession({ sessionToken, sessionId: 'session-test-x' }))).toMatchObject({
      errorType: 'too_many_session_arguments',
    });
  });

  it('refuses a token with one changed character, and a token not shaped like one', async () => {
    const { sessionToken } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    const last = sessionToken.at(-1) === 'A' ? 'B' : 'A';
    expect(
      await rejection(service.authenticateSession({ sessionToken: sessionToken.slice(0, -1) + last })),
    ).toMatchObject({
      errorType: 'session_not_found',
      statusCode: 404,
    });
    expect(await rejection(service.authenticateSession({ sessionToken: 'not-a-token' }))).toMatchObject({
      errorType: 'invalid_session_token',
    });
  });

  it('authenticates by JWT (no token returned) and exchanges an expired JWT of a live session for a fresh one', async () => {
    const { sessionJwt, session } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    const byJwt = await service.authenticateSession({ sessionJwt });
    expect(byJwt.session.session_id).toBe(session.session_id);
    expect(byJwt.sessionToken).toBe('');
    clock.advance(6 * MINUTE);
    await expect(service.verifySessionJwt(sessionJwt)).rejects.toMatchObject({
      errorType: 'invalid_session_jwt',
      details: { reason: 'expired' },
    });
    const exchanged = await service.authenticateSession({ sessionJwt });
    expect(decodeJwt(exchanged.sessionJwt).exp).toBeGreaterThan(decodeJwt(sessionJwt).exp!);
    await expect(service.verifySessionJwt(exchanged.sessionJwt)).resolves.toMatchObject({ expired: false });
  });

  it('refuses an expired session with session_not_found and reason session_expired, by token and by JWT', async () => {
    const { sessionToken, sessionJwt } = await service.createPasswordUser({
      email: email(),
      password: PASSWORD,
      sessionDurationMinutes: 5,
    });
    clock.advance(5 * MINUTE);
    for (const input of [{ sessionToken }, { sessionJwt }]) {
      const error = await rejection(service.authenticateSession(input));
      expect(error).toMatchObject({
        errorType: 'session_not_found',
        statusCode: 404,
        details: { reason: 'session_expired' },
      });
    }
  });

  it('revokes by session id, by token and by JWT; a revoked session is not found, and revoking again fails', async () => {
    const make = () => service.createPasswordUser({ email: email(), password: PASSWORD });
    const [a, b, c] = await Promise.all([make(), make(), make()]);
    await service.revokeSession({ sessionId: a.session.session_id });
    await service.revokeSession({ sessionToken: b.sessionToken });
    await service.revokeSession({ sessionJwt: c.sessionJwt });
    for (const revoked of [a, b, c]) {
      expect(await rejection(service.authenticateSession({ sessionToken: revoked.sessionToken }))).toMatchObject({
        errorType: 'session_not_found',
      });
      expect(await rejection(service.authenticateSession({ sessionJwt: revoked.sessionJwt }))).toMatchObject({
        errorType: 'session_not_found',
      });
    }
    expect(await rejection(service.revokeSession({ sessionId: a.session.session_id }))).toMatchObject({
      errorType: 'session_not_found',
    });
  });

  it("lists a user's active sessions only; an unknown user is user_not_found", async () => {
    const address = email();
    const first = await service.createPasswordUser({ email: address, password: PASSWORD, sessionDurationMinutes: 5 });
    clock.advance(MINUTE);
    const second = await service.authenticatePassword({
      email: address,
      password: PASSWORD,
      sessionDurationMinutes: 60,
    });
    expect((await service.listSessions(first.user.user_id)).map((s) => s.session_id)).toEqual([
      first.session.session_id,
      second.session.session_id,
    ]);
    clock.advance(5 * MINUTE);
    expect((await service.listSessions(first.user.user_id)).map((s) => s.session_id)).toEqual([
      second.session.session_id,
    ]);
    expect(await rejection(service.listSessions(`user-test-${randomUUID()}`))).toMatchObject({
      errorType: 'user_not_found',
      statusCode: 404,
    });
  });

  it('sweeps sessions an hour after they expired', async () => {
    const { session } = await service.createPasswordUser({
      email: email(),
      password: PASSWORD,
      sessionDurationMinutes: 5,
    });
    clock.advance(5 * MINUTE);
    await service.sweepExpiredSessions();
    expect(await store.findSessionById(session.session_id)).not.toBeNull();
    clock.advance(EXPIRED_SESSION_RETENTION_MS);
    expect(await service.sweepExpiredSessions()).toBe(1);
    expect(await store.findSessionById(session.session_id)).toBeNull();
  });

  it("applies Stytch's custom-claim rules: merge, null deletes, reserved ignored, 4 KB cap; claims are top-level in the JWT", async () => {
    const { sessionToken } = await service.createPasswordUser({
      email: email(),
      password: PASSWORD,
      sessionCustomClaims: { plan: 'pro', team: 'a', iss: 'evil', sub: 'evil', 'https://stytch.com/session': 'evil' },
    });
    const merged = await service.authenticateSession({ sessionToken, sessionCustomClaims: { team: null, level: 3 } });
    expect(merged.session.custom_claims).toEqual({ plan: 'pro', level: 3 });
    const claims = decodeJwt(merged.sessionJwt);
    expect(claims).toMatchObject({ plan: 'pro', level: 3, iss: `stytch.com/${projectId}`, sub: merged.user.user_id });
    expect(claims).not.toHaveProperty('team');
    const tooLarge = await rejection(
      service.authenticateSession({ sessionToken, sessionCustomClaims: { blob: 'x'.repeat(4100) } }),
    );
    expect(tooLarge).toMatchObject({ errorType: 'custom_claims_too_large', statusCode: 400 });
    expect((await service.authenticateSession({ sessionToken })).session.custom_claims).toEqual({
      plan: 'pro',
      level: 3,
    });
    expect(
      await rejection(service.authenticateSession({ sessionToken, sessionCustomClaims: [1] as never })),
    ).toMatchObject({
      errorType: 'invalid_session_custom_claims',
    });
  });

  it('refuses wrong passwords and unknown emails alike, duplicate emails regardless of case, and weak passwords', async () => {
    const address = email();
    await service.createPasswordUser({ email: address, password: PASSWORD });
    expect(await rejection(service.authenticatePassword({ email: address, password: 'wrong password' }))).toMatchObject(
      {
        errorType: 'unauthorized_credentials',
        statusCode: 401,
      },
    );
    expect(await rejection(service.authenticatePassword({ email: email(), password: PASSWORD }))).toMatchObject({
      errorType: 'unauthorized_credentials',
    });
    expect(
      await rejection(service.createPasswordUser({ email: address.toUpperCase(), password: PASSWORD })),
    ).toMatchObject({ errorType: 'duplicate_email' });
    expect(await rejection(service.createPasswordUser({ email: email(), password: 'short' }))).toMatchObject({
      errorType: 'weak_password',
    });
    expect(await rejection(service.createPasswordUser({ email: 'not an email', password: PASSWORD }))).toMatchObject({
      errorType: 'invalid_email',
    });
    await expect(
      service.authenticatePassword({ email: ` ${address.toUpperCase()} `, password: PASSWORD }),
    ).resolves.toBeTruthy();
  });

  it('adds the password factor to an existing session of the same user when given its token', async () => {
    const address = email();
    const created = await service.createPasswordUser({ email: address, password: PASSWORD });
    clock.advance(MINUTE);
    const again = await service.authenticatePassword({
      email: address,
      password: PASSWORD,
      sessionToken: created.sessionToken,
    });
    expect(again.session.session_id).toBe(created.session.session_id);
    expect(again.session.authentication_factors).toHaveLength(1);
    expect(again.session.authentication_factors[0]?.last_authenticated_at).toBe(clock.now().toISOString());
    const other = await service.createPasswordUser({ email: email(), password: PASSWORD });
    expect(
      await rejection(
        service.authenticatePassword({ email: address, password: PASSWORD, sessionToken: other.sessionToken }),
      ),
    ).toMatchObject({
      errorType: 'unauthorized_credentials',
    });
  });

  it('rotates keys: new JWTs use the new kid, old JWTs verify during the overlap, and not after it', async () => {
    const before = await service.createPasswordUser({
      email: email(),
      password: PASSWORD,
      sessionDurationMinutes: 600,
    });
    const oldKid = decodeProtectedHeader(before.sessionJwt).kid;
    const rotation = await service.rotateSigningKeys({ overlapMs: 60 * MINUTE });
    expect(rotation.retired.map((r) => r.kid)).toEqual([oldKid]);
    const after = await service.authenticateSession({ sessionToken: before.sessionToken });
    expect(decodeProtectedHeader(after.sessionJwt).kid).toBe(rotation.kid);
    expect((await service.getJwks()).keys.map((k) => k.kid).sort()).toEqual([oldKid, rotation.kid].sort());
    await expect(service.verifySessionJwt(before.sessionJwt)).resolves.toMatchObject({ kid: oldKid });
    clock.advance(61 * MINUTE);
    expect((await service.getJwks()).keys.map((k) => k.kid)).toEqual([rotation.kid]);
    expect(await rejection(service.authenticateSession({ sessionJwt: before.sessionJwt }))).toMatchObject({
      errorType: 'invalid_session_jwt',
      details: { reason: 'unknown_key' },
    });
    expect(await rejection(service.rotateSigningKeys({ overlapMs: MINUTE }))).toMatchObject({
      errorType: 'invalid_request_body',
    });
  });

  it("persists signing keys in the store: a second service over the same store verifies the first one's JWTs", async () => {
    const { sessionJwt } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    const twin = new StytchLikeSessionService({ store, projectId, clock: clock.now, sweepIntervalMs: 0 });
    await expect(twin.verifySessionJwt(sessionJwt)).resolves.toMatchObject({ expired: false });
    await twin.close();
  });

  it('ignores a stored signing key that does not import, and signs with a usable one', async () => {
    await store.insertSigningKey({
      kid: 'jwk-test-corrupt',
      publicJwk: { kty: 'RSA', n: 'AAAA', e: 'AQAB' },
      privateJwk: { kty: 'RSA', n: 'AAAA', e: 'AQAB', d: 'AAAA' },
      createdAt: new Date('2031-01-01T00:00:00.000Z'),
      retiresAt: null,
    });
    const { sessionJwt } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    expect(decodeProtectedHeader(sessionJwt).kid).not.toBe('jwk-test-corrupt');
    expect((await service.getJwks()).keys.map((k) => k.kid)).not.toContain('jwk-test-corrupt');
  });

  it('refuses calls after close with service_unavailable', async () => {
    await service.close();
    expect(await rejection(service.listSessions('user-test-x'))).toMatchObject({
      errorType: 'service_unavailable',
      statusCode: 503,
    });
  });
});

describe('the background sweep', () => {
  it('waits between half and one and a half intervals, drawn at random', () => {
    expect(sweepDelayMs(60_000, 0)).toBe(30_000);
    expect(sweepDelayMs(60_000, 0.5)).toBe(60_000);
    expect(sweepDelayMs(60_000, 0.9999)).toBeLessThanOrEqual(90_000);
    const delays = Array.from({ length: 500 }, () => sweepDelayMs(1000, Math.random()));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1500);
    // Spread over the range, so servers started together drift apart.
    expect(Math.min(...delays)).toBeLessThan(700);
    expect(Math.max(...delays)).toBeGreaterThan(1300);
  });

  it('sweeps again and again, never two sweeps at once even when one outlasts the interval', async () => {
    // Fake timers: the test moves time itself, so a sweep can outlast many intervals without the test sleeping.
    vi.useFakeTimers();
    const memory = new MemorySessionStore();
    let sweeps = 0;
    let running = 0;
    let mostAtOnce = 0;
    // A sweep waits for this gate: closed, the first sweep runs until the test opens it.
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    // The real store, with its sweep held at the gate.
    const store = new Proxy(memory, {
      get(target, property) {
        if (property === 'deleteSessionsExpiredBefore') {
          return async (cutoff: Date) => {
            sweeps++;
            mostAtOnce = Math.max(mostAtOnce, ++running);
            try {
              await gate;
              return await target.deleteSessionsExpiredBefore(cutoff);
            } finally {
              running--;
            }
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) as SessionStore;
    const service = new StytchLikeSessionService({
      store,
      projectId: testProject().projectId,
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 10,
    });
    try {
      // The first sweep starts within one and a half intervals.
      await vi.advanceTimersByTimeAsync(15);
      expect(sweeps).toBe(1);
      // Twenty intervals pass while it is held: no second sweep starts beside it.
      await vi.advanceTimersByTimeAsync(200);
      expect(sweeps).toBe(1);
      expect(running).toBe(1);
      // Once it ends, sweeps follow one after another.
      openGate();
      await vi.advanceTimersByTimeAsync(200);
      expect(sweeps).toBeGreaterThanOrEqual(5);
      expect(mostAtOnce).toBe(1);
    } finally {
      openGate();
      await service.close();
      vi.useRealTimers();
      expect(running).toBe(0);
      await memory.close();
    }
  });

  it('refuses a negative sweep interval', () => {
    const options = { store: new MemorySessionStore(), projectId: testProject().projectId, sweepIntervalMs: -1 };
    expect(() => new StytchLikeSessionService(options)).toThrow(TypeError);
  });
});
