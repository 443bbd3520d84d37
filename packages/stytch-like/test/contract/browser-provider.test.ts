import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { sessionTokenContract } from '@sessiontoken/contract';
import type { SessionChangeEvent, SessionTokenProvider } from '@sessiontoken/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StytchLikeBrowserSessionProvider } from '../../src/provider/browser-provider.js';
import type { StytchLikeCredentials } from '../../src/provider/provider-options.js';
import type { FetchFunction } from '../../src/provider/sdk-client.js';
import { CookieJar } from '../helpers/cookie-jar.js';
import { waitFor } from '../helpers/poll.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls.js';
import { expiryThrough } from './stytch-like-contract.js';

// The browser provider in Node, against the HTTPS server's frontend-SDK API, in both cookie modes. Node's fetch keeps
// no cookies: each provider gets a browser-like cookie jar of its own (one browser context each). With HttpOnly
// cookies the provider never sees a token; the suite reads the jar, as another context's developer tools would,
// only to hand the tokens to other providers.

const PASSWORD = 'a long and unguessable password';

let certificates: TestCertificates;

beforeAll(() => {
  certificates = makeTestCertificates();
  // Node's fetch trusts the test CA made for this run, as a browser would trust a CA its machine installed.
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), readFileSync(certificates.caFile, 'utf8')]);
});
afterAll(() => {
  certificates?.cleanup();
});

for (const mode of ['none', 'httponly'] as const) {
  describe(`the browser provider, session cookies: ${mode}`, () => {
    let server: TestServer;
    let publicToken: string;
    let existingEmail: string;
    const jars = new WeakMap<object, CookieJar>();
    // Providers whose network is down: their fetch fails as a browser's does offline (a TypeError, nothing sent).
    const offline = new WeakSet<object>();

    beforeAll(async () => {
      server = await startTestServer({
        server: {
          sessionCookies: mode,
          tls: { cert: readFileSync(certificates.certFile), key: readFileSync(certificates.keyFile) },
        },
      });
      expect(server.url).toMatch(/^https:/);
      publicToken = await server.service.publicToken();
      existingEmail = `u-${randomUUID()}@example.test`;
      await server.service.createPasswordUser({ email: existingEmail, password: PASSWORD });
    });
    afterAll(async () => {
      await server?.close();
    });

    const createProvider = (options: { refreshIntervalMs?: number; jar?: CookieJar; fetch?: FetchFunction } = {}) => {
      const jar = options.jar ?? new CookieJar();
      const send = options.fetch ?? jar.fetch;
      const provider: StytchLikeBrowserSessionProvider = new StytchLikeBrowserSessionProvider({
        baseUrl: server.url,
        publicToken,
        fetch: (input, init) =>
          offline.has(provider) ? Promise.reject(new TypeError('Failed to fetch')) : send(input, init),
        httpOnlyCookies: mode === 'httponly',
        ...(options.refreshIntervalMs === undefined ? {} : { refreshIntervalMs: options.refreshIntervalMs }),
      });
      jars.set(provider, jar);
      return provider;
    };

    sessionTokenContract<StytchLikeCredentials>(
      { describe, it, expect },
      {
        name: `stytch-like browser (${mode})`,
        createProvider: () => createProvider(),
        credentials: async () => {
          const email = `u-${randomUUID()}@example.test`;
          await server.service.createPasswordUser({ email, password: PASSWORD });
          return { email, password: PASSWORD };
        },
        badCredentials: async () => ({ email: existingEmail, password: 'wrong password' }),
        capabilities: {
          jwt: true,
          serverRevocation: true,
          slidingExpiry: true,
          statelessReattach: true,
          tokenRenewal: false,
          exposesTokens: mode === 'none',
        },
        ...(mode === 'httponly'
          ? {
              hiddenTokens: (provider: SessionTokenProvider<StytchLikeCredentials, never>) => {
                const jar = jars.get(provider)!;
                const sessionToken = jar.value(server.url, 'stytch_session');
                return sessionToken === undefined
                  ? null
                  : { sessionToken, sessionJwt: jar.value(server.url, 'stytch_session_jwt') ?? null };
              },
            }
          : {}),
        expiry: expiryThrough(() => server),
        revokedCodes: ['REVOKED', 'INVALID_TOKEN'],
        outage: async (provider) => {
          offline.add(provider);
          return async () => {
            offline.delete(provider);
          };
        },
      },
    );

    it('authenticates in the background and tells onChange, until close() stops the timer', async () => {
      const credentials = async () => {
        const email = `u-${randomUUID()}@example.test`;
        await server.service.createPasswordUser({ email, password: PASSWORD });
        return { email, password: PASSWORD };
      };
      // Counts the provider's session checks as they leave for the server.
      const counted = () => {
        const jar = new CookieJar();
        let calls = 0;
        const fetch: FetchFunction = (input, init) => {
          if (input.endsWith('/sessions/authenticate')) calls++;
          return jar.fetch(input, init);
        };
        return { jar, fetch, calls: () => calls };
      };
      const closing = counted();
      const control = counted();
      const closed = createProvider({ refreshIntervalMs: 50, ...closing });
      const running = createProvider({ refreshIntervalMs: 50, ...control });
      try {
        const events: SessionChangeEvent[] = [];
        closed.onChange((event) => events.push(event));
        await closed.open(await credentials());
        await running.open(await credentials());
        const before = closed.getSession()!.lastAccessedAt!.getTime();
        await waitFor(() => events.some((event) => event.reason === 'authenticated'), {
          timeoutMs: 10_000,
          what: 'a background authenticate',
        });
        const refreshed = events.find((event) => event.reason === 'authenticated')!;
        expect(refreshed.session?.lastAccessedAt?.getTime()).toBeGreaterThanOrEqual(before);

        await closed.close();
        const callsAtClose = closing.calls();
        const controlAtClose = control.calls();
        // Several intervals pass (the open provider keeps refreshing) while the closed one makes no call.
        await waitFor(() => control.calls() >= controlAtClose + 3, { timeoutMs: 10_000, what: 'three refreshes' });
        expect(closing.calls()).toBe(callsAtClose);
      } finally {
        await closed.close();
        await running.close();
      }
    });

    it('tells onChange when a background authenticate finds the session revoked elsewhere', async () => {
      const email = `u-${randomUUID()}@example.test`;
      await server.service.createPasswordUser({ email, password: PASSWORD });
      const provider = createProvider({ refreshIntervalMs: 50 });
      try {
        const events: SessionChangeEvent[] = [];
        provider.onChange((event) => events.push(event));
        const info = await provider.open({ email, password: PASSWORD });
        await server.service.revokeSession({ sessionId: info.sessionId });
        await waitFor(() => events.some((event) => event.session === null), {
          timeoutMs: 10_000,
          what: 'the revocation to be noticed',
        });
        expect(provider.getSession()).toBeNull();
        expect(['expired', 'revoked']).toContain(events.at(-1)?.reason);
      } finally {
        await provider.close();
      }
    });

    if (mode === 'httponly') {
      it('keeps the session in HttpOnly cookies the provider never reads, and revoke() clears them', async () => {
        const email = `u-${randomUUID()}@example.test`;
        await server.service.createPasswordUser({ email, password: PASSWORD });
        const jar = new CookieJar();
        const provider = createProvider({ jar });
        try {
          provider.setSessionToken(true);
          await provider.open({ email, password: PASSWORD });
          expect(provider.getTokens()).toBeNull();
          const cookies = jar.all();
          expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.secure]).sort()).toEqual([
            ['stytch_session', true, true],
            ['stytch_session_jwt', true, true],
          ]);
          const token = jar.value(server.url, 'stytch_session')!;
          await expect(server.service.authenticateSession({ sessionToken: token })).resolves.toBeTruthy();
          await provider.revoke();
          expect(jar.all()).toEqual([]);
          await expect(server.service.authenticateSession({ sessionToken: token })).rejects.toMatchObject({
            errorType: 'session_not_found',
          });
        } finally {
          await provider.close();
        }
      });
    }
  });
}
