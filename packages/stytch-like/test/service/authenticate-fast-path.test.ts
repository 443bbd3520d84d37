import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SESSION_CLAIM } from '../../src/model/stytch-types.js';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { MAX_JWT_REUSE_SECONDS } from '../../src/server/service/session-jwt-cache.js';
import { issueSessionToken } from '../../src/server/service/session-token.js';
import { MemorySessionStore } from '../../src/server/store/memory.js';
import type { SessionStore } from '../../src/server/store/session-store.js';
import { ManualClock } from '../helpers/clock.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { testStoreLocation, type StoreKind } from '../helpers/stores.js';
import { apiRejection } from '../helpers/servers.js';

const SECOND = 1000;
const PASSWORD = 'correct horse battery staple';
const email = () => `u-${randomUUID()}@example.test`;

/** `store` behind a proxy that writes down the name of every method called on it. */
function counted(store: SessionStore): { store: SessionStore; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

const rejection = apiRejection;

describe.each<StoreKind>(['memory', 'sqlite'])('the common sessions/authenticate on the %s store', (kind) => {
  const location = testStoreLocation(kind);
  let inner: SessionStore;
  let service: StytchLikeSessionService;
  let calls: string[];
  const { projectId } = testProject();

  beforeEach(async () => {
    inner = await location.open();
    const proxy = counted(inner);
    calls = proxy.calls;
    service = new StytchLikeSessionService({
      store: proxy.store,
      projectId,
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
    });
  });
  afterEach(async () => {
    await service.close();
    await inner.close();
  });
  afterAll(() => location.cleanup());

  it('is one store call, by token and by JWT', async () => {
    const { sessionToken, sessionJwt } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    calls.length = 0;
    await service.authenticateSession({ sessionToken });
    expect(calls).toEqual(['recordAccess']);
    calls.length = 0;
    await service.authenticateSession({ sessionJwt });
    expect(calls).toEqual(['recordAccess']);
  });

  it('is three in turn on a store without recordAccess, with the same answers', async () => {
    Object.assign(inner, { recordAccess: undefined });
    const { sessionToken, session } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    calls.length = 0;
    const result = await service.authenticateSession({ sessionToken });
    expect(calls).toEqual(['findSessionByTokenId', 'updateSession', 'findUserById']);
    expect(result.session.session_id).toBe(session.session_id);
  });

  it('takes the longer path to extend or to change claims', async () => {
    const { sessionToken } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    calls.length = 0;
    await service.authenticateSession({ sessionToken, sessionDurationMinutes: 90 });
    await service.authenticateSession({ sessionToken, sessionCustomClaims: { plan: 'pro' } });
    expect(calls.filter((call) => call === 'recordAccess')).toEqual([]);
    expect(calls.filter((call) => call === 'updateSession')).toHaveLength(2);
  });

  it('refuses the session of a user who is gone as before, in one call', async () => {
    // A session whose user row is gone (deleteUser removes both; this is the case the check guards against).
    const issued = issueSessionToken();
    const now = new Date();
    await inner.insertSession({
      sessionId: `session-test-${randomUUID()}`,
      userId: `user-test-${randomUUID()}`,
      tokenId: issued.tokenId,
      secretHash: issued.secretHash,
      startedAt: now,
      lastAccessedAt: now,
      expiresAt: new Date(now.getTime() + 60 * SECOND),
      attributes: { ip_address: '', user_agent: '' },
      authenticationFactors: [],
      customClaims: {},
    });
    await service.getJwks();
    calls.length = 0;
    const error = await rejection(service.authenticateSession({ sessionToken: issued.token }));
    expect(error).toMatchObject({
      errorType: 'session_not_found',
      message: expect.stringContaining('user that no longer exists') as unknown,
    });
    expect(calls).toEqual(['recordAccess']);
  });
});

describe('JWT reuse (jwtReuseSeconds)', () => {
  let store: MemorySessionStore;
  let clock: ManualClock;
  const services: StytchLikeSessionService[] = [];
  const { projectId } = testProject();

  const serviceWith = (jwtReuseSeconds?: number, keyRefreshIntervalMs?: number) => {
    const service = new StytchLikeSessionService({
      store,
      ...(keyRefreshIntervalMs === undefined ? {} : { keyRefreshIntervalMs }),
      projectId,
      clock: clock.now,
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
      ...(jwtReuseSeconds === undefined ? {} : { jwtReuseSeconds }),
    });
    services.push(service);
    return service;
  };

  beforeEach(() => {
    store = new MemorySessionStore();
    clock = new ManualClock(new Date('2030-01-01T00:00:00.000Z'));
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.close()));
    await store.close();
  });

  it('answers with the same JWT within the window, by token and by JWT, and a fresh one from its end', async () => {
    const service = serviceWith(30);
    const { sessionToken } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    const first = await service.authenticateSession({ sessionToken });
    clock.advance(10 * SECOND);
    const again = await service.authenticateSession({ sessionToken });
    expect(again.sessionJwt).toBe(first.sessionJwt);
    // The session in the answer is current; the JWT's iat and last_accessed_at are those of the first answer.
    expect(again.session.last_accessed_at).toBe(clock.now().toISOString());
    expect(decodeJwt(again.sessionJwt)[SESSION_CLAIM]).toMatchObject({
      last_accessed_at: first.session.last_accessed_at,
    });
    expect((await service.authenticateSession({ sessionJwt: first.sessionJwt })).sessionJwt).toBe(first.sessionJwt);
    clock.advance(20 * SECOND - 1);
    expect((await service.authenticateSession({ sessionToken })).sessionJwt).toBe(first.sessionJwt);
    clock.advance(1);
    const fresh = await service.authenticateSession({ sessionToken });
    expect(fresh.sessionJwt).not.toBe(first.sessionJwt);
    expect(decodeJwt(fresh.sessionJwt).iat).toBe(clock.now().getTime() / 1000);
  });

  it('signs a fresh JWT each time when off (the default), as Stytch does', async () => {
    const service = serviceWith();
    const { sessionToken } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    const first = await service.authenticateSession({ sessionToken });
    clock.advance(SECOND);
    const second = await service.authenticateSession({ sessionToken });
    expect(second.sessionJwt).not.toBe(first.sessionJwt);
    expect(decodeJwt(second.sessionJwt).iat).toBe(decodeJwt(first.sessionJwt).iat! + 1);
  });

  it('signs a fresh JWT once what it says changed: expiry, claims, factors', async () => {
    const service = serviceWith(60);
    const address = email();
    const { sessionToken } = await service.createPasswordUser({ email: address, password: PASSWORD });
    const first = await service.authenticateSession({ sessionToken });
    clock.advance(SECOND);
    const extended = await service.authenticateSession({ sessionToken, sessionDurationMinutes: 120 });
    expect(decodeJwt(extended.sessionJwt)[SESSION_CLAIM]).toMatchObject({ expires_at: extended.session.expires_at });
    clock.advance(SECOND);
    // Reused again, now the extended one.
    expect((await service.authenticateSession({ sessionToken })).sessionJwt).toBe(extended.sessionJwt);
    const claimed = await service.authenticateSession({ sessionToken, sessionCustomClaims: { plan: 'pro' } });
    expect(decodeJwt(claimed.sessionJwt)).toMatchObject({ plan: 'pro' });
    clock.advance(SECOND);
    // The password factor refreshed on the same session, without the JWT reuse path knowing.
    await service.authenticatePassword({ email: address, password: PASSWORD, sessionToken });
    clock.advance(SECOND);
    const afterLogin = await service.authenticateSession({ sessionToken });
    expect(afterLogin.sessionJwt).not.toBe(claimed.sessionJwt);
    expect(decodeJwt(afterLogin.sessionJwt)[SESSION_CLAIM]).toMatchObject({
      authentication_factors: afterLogin.session.authentication_factors,
    });
    expect(new Set([first, extended, claimed, afterLogin].map((a) => a.sessionJwt)).size).toBe(4);
  });

  it('signs with the new key after a rotation, here or by another server sharing the store', async () => {
    const service = serviceWith(60, 0);
    const other = serviceWith(60);
    const { sessionToken } = await service.createPasswordUser({ email: email(), password: PASSWORD });
    const first = await service.authenticateSession({ sessionToken });
    const rotation = await service.rotateSigningKeys();
    const after = await service.authenticateSession({ sessionToken });
    expect(decodeProtectedHeader(after.sessionJwt).kid).toBe(rotation.kid);
    expect(after.sessionJwt).not.toBe(first.sessionJwt);
    // Another server rotates: this one picks the key up at its next key refresh (here at once) and stops reusing.
    clock.advance(SECOND);
    const elsewhere = await other.rotateSigningKeys();
    const refreshed = await service.authenticateSession({ sessionToken });
    expect(decodeProtectedHeader(refreshed.sessionJwt).kid).toBe(elsewhere.kid);
  });

  it('never answers a revoked session, nor one of a deleted user or a changed password, from the cache', async () => {
    const service = serviceWith(60);
    const other = serviceWith(60);
    const make = () => service.createPasswordUser({ email: email(), password: PASSWORD });
    const [a, b, c, d] = await Promise.all([make(), make(), make(), make()]);
    for (const created of [a, b, c, d]) await service.authenticateSession({ sessionToken: created.sessionToken });
    await service.revokeSession({ sessionId: a.session.session_id });
    // Revoked through another server: this one's cache still holds a JWT, the store says no.
    await other.revokeSession({ sessionToken: b.sessionToken });
    await service.deleteUser(c.user.user_id);
    await service.resetPasswordByExistingPassword({
      email: d.user.emails[0]!.email,
      existingPassword: PASSWORD,
      newPassword: 'another correct horse battery staple',
    });
    for (const gone of [a, b, c, d]) {
      for (const input of [{ sessionToken: gone.sessionToken }, { sessionJwt: gone.sessionJwt }]) {
        expect(await rejection(service.authenticateSession(input))).toMatchObject({ errorType: 'session_not_found' });
      }
    }
  });

  it('refuses a window that is not a whole number from 0 to 240 with a RangeError', () => {
    expect(MAX_JWT_REUSE_SECONDS).toBe(240);
    for (const bad of [-1, 1.5, 241, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
      expect(() => serviceWith(bad as number), String(bad)).toThrow(RangeError);
    }
    expect(() => serviceWith(0)).not.toThrow();
    expect(() => serviceWith(240)).not.toThrow();
  });
});
