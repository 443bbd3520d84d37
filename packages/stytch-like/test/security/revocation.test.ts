import { randomUUID } from 'node:crypto';
import { Client } from 'stytch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStytchLikeServer } from '../../src/server/http/server.js';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import type { SessionStore } from '../../src/server/store/session-store.js';
import { ManualClock } from '../helpers/clock.js';
import { FAST_PASSWORD_HASHING } from '../helpers/config.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';
import { testStoreLocation, type TestStoreLocation } from '../helpers/stores.js';

const PASSWORD = 'a long and unguessable password';
const NEW_PASSWORD = 'another long and unguessable password';

for (const kind of ['sqlite', 'postgres', 'redis'] as const) {
  describe(`the revocation model over ${kind}`, () => {
    let location: TestStoreLocation;
    let server: TestServer;
    let client: Client;
    const services: StytchLikeSessionService[] = [];

    beforeAll(async () => {
      location = testStoreLocation(kind);
      server = await startTestServer({ store: await location.open() });
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
      client = new Client({ project_id: server.projectId, secret: server.secret, env: `${server.url}/` });
      warn.mockRestore();
    });
    afterAll(async () => {
      for (const service of services) await service.close();
      await server?.close();
      await location?.cleanup();
    });

    const withClock = (
      store: SessionStore,
      clock: ManualClock,
      extra: { maxSessionLifetimeMinutes?: number; expiredJwtMaxAgeSeconds?: number } = {},
    ) => {
      const service = new StytchLikeSessionService({
        store,
        projectId: server.projectId,
        clock: clock.now,
        passwordHashing: FAST_PASSWORD_HASHING,
        sweepIntervalMs: 0,
        ...extra,
      });
      services.push(service);
      return service;
    };
    const signUp = async () => {
      const email = `revoke-${randomUUID()}@example.test`;
      const created = await client.passwords.create({ email, password: PASSWORD });
      const second = await client.passwords.authenticate({ email, password: PASSWORD });
      const third = await client.passwords.authenticate({ email, password: PASSWORD });
      return { email, userId: created.user_id, sessions: [created, second, third] };
    };
    const rejects = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (error: unknown) => error as { status_code?: number; error_type?: string },
      );

    it('ends every session of a user at once (revoke by user_id), tokens and JWTs, and no one else’s', async () => {
      const victim = await signUp();
      const bystander = await signUp();
      // Stytch's B2B revoke takes member_id; the SDK passes unknown fields through.
      await client.sessions.revoke({ user_id: victim.userId } as unknown as Parameters<
        Client['sessions']['revoke']
      >[0]);
      for (const stolen of victim.sessions) {
        expect(await rejects(client.sessions.authenticate({ session_token: stolen.session_token }))).toMatchObject({
          error_type: 'session_not_found',
        });
        expect(await rejects(client.sessions.authenticate({ session_jwt: stolen.session_jwt }))).toMatchObject({
          error_type: 'session_not_found',
        });
      }
      await expect(
        client.sessions.authenticate({ session_token: bystander.sessions[0]!.session_token }),
      ).resolves.toMatchObject({ status_code: 200 });
      // Through the library too, with a count; an unknown user is a 404, not a silent success.
      await client.passwords.authenticate({ email: victim.email, password: PASSWORD });
      await expect(server.service.revokeAllSessions(victim.userId)).resolves.toBe(1);
      await expect(
        server.service.revokeAllSessions('user-test-00000000-0000-0000-0000-000000000000'),
      ).rejects.toMatchObject({ errorType: 'user_not_found' });
      expect(
        await rejects(
          client.sessions.revoke({ user_id: victim.userId, session_id: 'x' } as unknown as Parameters<
            Client['sessions']['revoke']
          >[0]),
        ),
      ).toMatchObject({
        error_type: 'too_many_session_arguments',
      });
    });

    it('ends every session on a change with the existing password; the old password stops working', async () => {
      const victim = await signUp();
      const reset = await client.passwords.existingPassword.reset({
        email: victim.email,
        existing_password: PASSWORD,
        new_password: NEW_PASSWORD,
      });
      for (const stolen of victim.sessions) {
        expect(await rejects(client.sessions.authenticate({ session_token: stolen.session_token }))).toMatchObject({
          error_type: 'session_not_found',
        });
      }
      await expect(client.sessions.authenticate({ session_token: reset.session_token })).resolves.toMatchObject({
        user: { user_id: victim.userId },
      });
      expect(await rejects(client.passwords.authenticate({ email: victim.email, password: PASSWORD }))).toMatchObject({
        status_code: 401,
      });
      await expect(
        client.passwords.authenticate({ email: victim.email, password: NEW_PASSWORD }),
      ).resolves.toMatchObject({ user_id: victim.userId });
      expect(
        await rejects(
          client.passwords.existingPassword.reset({
            email: victim.email,
            existing_password: PASSWORD,
            new_password: 'x'.repeat(12),
          }),
        ),
      ).toMatchObject({
        error_type: 'unauthorized_credentials',
      });
    });

    it('ends the other sessions on a reset by session, keeps this one, and wants a fresh factor', async () => {
      const victim = await signUp();
      const [kept, ...others] = victim.sessions;
      await client.passwords.sessions.reset({ password: NEW_PASSWORD, session_token: kept!.session_token });
      for (const stolen of others) {
        expect(await rejects(client.sessions.authenticate({ session_token: stolen.session_token }))).toMatchObject({
          error_type: 'session_not_found',
        });
      }
      await expect(client.sessions.authenticate({ session_token: kept!.session_token })).resolves.toMatchObject({
        status_code: 200,
      });
      // A thief holding a token whose password factor is older than five minutes cannot change the password.
      const later = new ManualClock(new Date(Date.now() + 6 * 60_000));
      await expect(
        withClock(server.store, later).resetPasswordBySession({
          password: 'thief-chosen password',
          sessionToken: kept!.session_token,
        }),
      ).rejects.toMatchObject({
        errorType: 'session_too_old_to_reset_password',
      });
    });

    it('deletes a user and every session with DELETE /v1/users/{user_id}', async () => {
      const victim = await signUp();
      await expect(client.users.delete({ user_id: victim.userId })).resolves.toMatchObject({
        status_code: 200,
        user_id: victim.userId,
      });
      for (const stolen of victim.sessions) {
        expect(await rejects(client.sessions.authenticate({ session_token: stolen.session_token }))).toMatchObject({
          error_type: 'session_not_found',
        });
        expect(await rejects(client.sessions.authenticate({ session_jwt: stolen.session_jwt }))).toMatchObject({
          status_code: 404,
        });
      }
      expect(await rejects(client.passwords.authenticate({ email: victim.email, password: PASSWORD }))).toMatchObject({
        status_code: 401,
      });
      expect(await rejects(client.users.delete({ user_id: victim.userId }))).toMatchObject({
        status_code: 404,
        error_type: 'user_not_found',
      });
      // The email is free again.
      await expect(client.passwords.create({ email: victim.email, password: PASSWORD })).resolves.toMatchObject({
        status_code: 200,
      });
    });

    it('never lets extensions carry a session past its absolute lifetime', async () => {
      const clock = new ManualClock();
      const service = withClock(server.store, clock, { maxSessionLifetimeMinutes: 60 });
      const started = await service.createPasswordUser({
        email: `life-${randomUUID()}@example.test`,
        password: PASSWORD,
        sessionDurationMinutes: 30,
      });
      const cap = Date.parse(started.session.started_at) + 60 * 60_000;
      for (let step = 0; step < 3; step++) {
        clock.advance(19 * 60_000);
        const extended = await service.authenticateSession({
          sessionToken: started.sessionToken,
          sessionDurationMinutes: 527_040,
        });
        expect(Date.parse(extended.session.expires_at)).toBeLessThanOrEqual(cap);
      }
      clock.advance(4 * 60_000);
      await expect(
        service.authenticateSession({ sessionToken: started.sessionToken, sessionDurationMinutes: 527_040 }),
      ).rejects.toMatchObject({
        errorType: 'session_not_found',
        details: { reason: 'session_expired' },
      });
      // A longer request at sign-up is capped too.
      const long = await service.createPasswordUser({
        email: `life-${randomUUID()}@example.test`,
        password: PASSWORD,
        sessionDurationMinutes: 527_040,
      });
      expect(Date.parse(long.session.expires_at) - Date.parse(long.session.started_at)).toBe(60 * 60_000);
    });

    it('accepts an expired JWT only up to its allowed age past exp, then answers a Stytch-shaped 401', async () => {
      const clock = new ManualClock();
      const service = withClock(server.store, clock, { expiredJwtMaxAgeSeconds: 3600 });
      const http = createStytchLikeServer({ service, secret: server.secret });
      try {
        const base = await http.listen();
        const started = await service.createPasswordUser({
          email: `old-jwt-${randomUUID()}@example.test`,
          password: PASSWORD,
          sessionDurationMinutes: 60 * 24 * 30,
        });
        clock.advance(5 * 60_000 + 59 * 60_000);
        await expect(service.authenticateSession({ sessionJwt: started.sessionJwt })).resolves.toMatchObject({
          session: { session_id: started.session.session_id },
        });
        clock.advance(2 * 60_000);
        const headers = {
          authorization: `Basic ${Buffer.from(`${server.projectId}:${server.secret}`).toString('base64')}`,
          'content-type': 'application/json',
        };
        for (const path of ['/v1/sessions/authenticate', '/v1/sessions/revoke']) {
          const response = await fetch(`${base}${path}`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ session_jwt: started.sessionJwt }),
            signal: AbortSignal.timeout(10_000),
          });
          expect(response.status).toBe(401);
          const body = (await response.json()) as Record<string, unknown>;
          expect(body).toMatchObject({
            status_code: 401,
            error_type: 'invalid_session_jwt',
            error_details: { reason: 'jwt_too_old' },
            error_url: expect.any(String),
          });
          expect(JSON.stringify(body)).not.toContain(started.sessionJwt);
        }
        // The session itself is alive: its token still works.
        await expect(service.authenticateSession({ sessionToken: started.sessionToken })).resolves.toMatchObject({
          session: { session_id: started.session.session_id },
        });
      } finally {
        await http.close();
      }
    });
  });
}
