import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STYTCH_LIKE_CAPABILITIES } from '../../src/provider/session-operations.js';
import { EmbeddedStytchLikeSessionProvider } from '../../src/server/provider/embedded-provider.js';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import { SqliteSessionStore } from '../../src/server/store/sqlite.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { newTestService } from '../helpers/servers.js';

const PASSWORD = 'a long and unguessable password';

describe('EmbeddedStytchLikeSessionProvider', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stytch-like-embedded-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens its own SQLite store from a URL, serves sessions without HTTP, and closes the store with it', async () => {
    const path = join(dir, `${randomUUID()}.sqlite`);
    const { projectId } = testProject();
    const provider = new EmbeddedStytchLikeSessionProvider({
      store: `sqlite:${path}`,
      projectId,
      passwordHashing: FAST_PASSWORD_HASHING,
    });
    const email = `u-${randomUUID()}@example.test`;
    await expect(provider.open({ email, password: PASSWORD })).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
    // Users come from the service (or the HTTP API); the provider logs in.
    const store = await SqliteSessionStore.open({ path });
    const service = new StytchLikeSessionService({
      store,
      projectId,
      passwordHashing: FAST_PASSWORD_HASHING,
      sweepIntervalMs: 0,
    });
    await service.createPasswordUser({ email, password: PASSWORD });
    const info = await provider.open(
      { email, password: PASSWORD },
      { sessionDurationMinutes: 15, sessionCustomClaims: { plan: 'pro' } },
    );
    expect(info.attributes).toMatchObject({ customClaims: { plan: 'pro' } });
    provider.setSessionToken(true);
    const tokens = provider.getTokens()!;
    // The same session through the service directly: one source of truth.
    await expect(service.authenticateSession({ sessionToken: tokens.sessionToken })).resolves.toMatchObject({
      session: { session_id: info.sessionId },
    });
    await provider.authenticate({ durationMinutes: 120 });
    expect(provider.getSession()!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 110 * 60_000);
    await provider.revoke();
    await expect(service.authenticateSession({ sessionToken: tokens.sessionToken })).rejects.toMatchObject({
      errorType: 'session_not_found',
    });
    await provider.close();
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'CLOSED' });
    await service.close();
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('shares a service without closing it, and checks a JWT given with a token', async () => {
    const store = await SqliteSessionStore.open({ path: join(dir, `${randomUUID()}.sqlite`) });
    const service = newTestService(store);
    const a = await service.createPasswordUser({ email: `u-${randomUUID()}@example.test`, password: PASSWORD });
    const b = await service.createPasswordUser({ email: `u-${randomUUID()}@example.test`, password: PASSWORD });
    const provider = new EmbeddedStytchLikeSessionProvider({ service });
    await expect(
      provider.setSessionToken({ sessionToken: a.sessionToken, sessionJwt: b.sessionJwt }),
    ).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    const tampered = `${a.sessionJwt.slice(0, -4)}AAAA`;
    await expect(
      provider.setSessionToken({ sessionToken: a.sessionToken, sessionJwt: tampered }),
    ).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(
      provider.setSessionToken({ sessionToken: a.sessionToken, sessionJwt: a.sessionJwt }),
    ).resolves.toMatchObject({ sessionId: a.session.session_id });
    await expect(provider.authenticateJwt()).resolves.toMatchObject({ sessionId: a.session.session_id });
    await provider.close();
    await expect(service.ping()).resolves.toBeUndefined();
    await service.close();
    await store.close();
  });

  it('refuses options it cannot use in the constructor, as INVALID_ARGUMENT, before opening anything', () => {
    const refused = [
      { store: 'mysql://nope', projectId: 'project-test-x' },
      { store: 'sqlite:', projectId: 'project-test-x' },
      { store: `sqlite:${join(dir, 'never.sqlite')}`, projectId: 'project test with spaces' },
      { store: `sqlite:${join(dir, 'never.sqlite')}`, projectId: 'project-test-x', sessionDurationMinutes: 4 },
      { store: `sqlite:${join(dir, 'never.sqlite')}`, projectId: 'project-test-x', sessionDurationMinutes: 60.5 },
      { service: { not: 'a service' } },
    ];
    for (const options of refused) {
      expect(() => new EmbeddedStytchLikeSessionProvider(options as never), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', adapter: 'stytch-like-embedded' }),
      );
    }
    expect(existsSync(join(dir, 'never.sqlite'))).toBe(false);
  });

  it('shares one frozen capabilities constant with the HTTP provider', async () => {
    const provider = new EmbeddedStytchLikeSessionProvider({ store: 'memory:', projectId: 'project-test-x' });
    expect(provider.capabilities).toBe(STYTCH_LIKE_CAPABILITIES);
    expect(Object.isFrozen(provider.capabilities)).toBe(true);
    await provider.close();
  });
});
