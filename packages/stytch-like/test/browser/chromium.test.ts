import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { StytchClient } from '@stytch/vanilla-js';
import { build } from 'esbuild';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as ClientEntry from '../../src/index.js';
import type { SessionCookieMode } from '../../src/server/http/sdk-origins.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls.js';

// The unmodified official frontend SDK (@stytch/vanilla-js, from node_modules) and our own browser provider, in
// Debian's Chromium (headless), against the server on https://api.shop.test (port 443, as the SDK demands), from a
// page on https://app.shop.test served by this test. Host names map to 127.0.0.1 through Chromium's resolver rules,
// every other name fails to resolve (nothing comes from the network), and Chromium trusts exactly the test
// certificate made for this run (by its public key). Port 443 needs root, as CI has.

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const API_HOST = 'api.shop.test';
const APP_HOST = 'app.shop.test';
const OTHER_HOST = 'evil.test';
const PASSWORD = 'a long and unguessable password';
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** What the test page holds: the two bundles, the client under test and what its onChange saw. */
interface PageGlobals {
  StytchSDK: { StytchClient: typeof StytchClient };
  StytchLike: typeof ClientEntry;
  stytch: StytchClient;
  provider: ClientEntry.StytchLikeBrowserSessionProvider;
  events: Array<string | null>;
}

let certificates: TestCertificates;
let pages: Server;
let pageOrigin: string;
let otherOrigin: string;
let browser: Browser;
const requestedHosts = new Set<string>();

beforeAll(async () => {
  certificates = makeTestCertificates([API_HOST, APP_HOST, OTHER_HOST]);
  const [sdkBundle, providerBundle] = await Promise.all([
    bundle("export { StytchClient } from '@stytch/vanilla-js';", 'StytchSDK'),
    bundle("export * from './src/index.ts';", 'StytchLike'),
  ]);
  const files: Record<string, [string, string]> = {
    '/': [
      'text/html',
      '<!doctype html><meta charset="utf-8"><script src="/sdk.js"></script><script src="/provider.js"></script>',
    ],
    '/sdk.js': ['text/javascript', sdkBundle],
    '/provider.js': ['text/javascript', providerBundle],
  };
  pages = createServer(
    { cert: readFileSync(certificates.certFile), key: readFileSync(certificates.keyFile) },
    (request, response) => {
      const file = files[request.url ?? ''];
      response.writeHead(file ? 200 : 404, { 'content-type': file?.[0] ?? 'text/plain' }).end(file?.[1] ?? '');
    },
  );
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  const port = (pages.address() as AddressInfo).port;
  pageOrigin = `https://${APP_HOST}:${port}`;
  otherOrigin = `https://${OTHER_HOST}:${port}`;
  const spki = createHash('sha256')
    .update(new X509Certificate(readFileSync(certificates.certFile)).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      `--host-resolver-rules=MAP ${API_HOST} 127.0.0.1, MAP ${APP_HOST} 127.0.0.1, MAP ${OTHER_HOST} 127.0.0.1, MAP * ~NOTFOUND`,
      `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (pages ? pages.close(resolve) : resolve(undefined)));
  certificates?.cleanup();
  // Nothing was fetched from anywhere but the test's own hosts.
  expect([...requestedHosts].filter((host) => ![API_HOST, APP_HOST, OTHER_HOST].includes(host))).toEqual([]);
});

/** Bundles `source` (from the package directory, dependencies from node_modules) as a browser script. */
async function bundle(source: string, globalName: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: PACKAGE_DIR, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName,
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

async function openPage(context: BrowserContext, origin = pageOrigin): Promise<Page> {
  const page = await context.newPage();
  page.on('request', (request) => requestedHosts.add(new URL(request.url()).hostname));
  await page.goto(`${origin}/`);
  return page;
}

/** Signs a user up through the backend service (not the page), for walks that start with a login. */
async function newUser(server: TestServer): Promise<string> {
  const email = `u-${randomUUID()}@example.test`;
  await server.service.createPasswordUser({ email, password: PASSWORD });
  return email;
}

for (const mode of ['none', 'httponly'] as const satisfies readonly SessionCookieMode[]) {
  describe(`in Chromium, session cookies: ${mode}`, () => {
    let server: TestServer;
    let publicToken: string;
    /** The Origin of every request the server refused with 403. */
    const refusedOrigins: string[] = [];

    beforeAll(async () => {
      server = await startTestServer({
        port: 443,
        server: {
          allowedOrigins: [pageOrigin],
          sessionCookies: mode,
          ...(mode === 'httponly' ? { cookieDomain: 'shop.test' } : {}),
          tls: { cert: readFileSync(certificates.certFile), key: readFileSync(certificates.keyFile) },
        },
      });
      publicToken = await server.service.publicToken();
      server.server.app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        response.once('finish', () => {
          if (response.statusCode === 403) refusedOrigins.push(String(request.headers.origin));
        });
      });
    });
    afterAll(async () => {
      await server?.close();
    });

    /** The session cookies the browser holds for the API, as the context sees them (HttpOnly ones included). */
    const apiCookies = async (context: BrowserContext) =>
      (await context.cookies(`https://${API_HOST}/`)).filter((cookie) => cookie.name.startsWith('stytch_session'));

    it('walks the official SDK: sign up, log in, tokens, authenticate, updateSession, revoke, wrong password', async () => {
      const context = await browser.newContext();
      const otherContext = await browser.newContext();
      try {
        const page = await openPage(context);
        await page.evaluate(
          ({ publicToken }) => {
            const w = globalThis as unknown as PageGlobals;
            w.events = [];
            w.stytch = new w.StytchSDK.StytchClient(publicToken, { customBaseUrl: 'https://api.shop.test' });
            w.stytch.session.onChange((session) => w.events.push(session?.session_id ?? null));
          },
          { publicToken },
        );
        const events = () => page.evaluate(() => (globalThis as unknown as PageGlobals).events);

        const email = `u-${randomUUID()}@example.test`;
        const created = await page.evaluate(
          ({ email, password }) =>
            (globalThis as unknown as PageGlobals).stytch.passwords.create({
              email,
              password,
              session_duration_minutes: 60,
            }),
          { email, password: PASSWORD },
        );
        expect(created.user_id).toMatch(/^user-test-/);
        await expect.poll(events).toContain(created.session.session_id);

        const login = await page.evaluate(
          ({ email, password }) =>
            (globalThis as unknown as PageGlobals).stytch.passwords.authenticate({
              email,
              password,
              session_duration_minutes: 60,
            }),
          { email, password: PASSWORD },
        );
        const sessionId = login.session.session_id;
        expect(sessionId).not.toBe(created.session.session_id);
        await expect.poll(events).toContain(sessionId);

        const tokens = await page.evaluate(() => (globalThis as unknown as PageGlobals).stytch.session.getTokens());
        const sync = await page.evaluate(() => (globalThis as unknown as PageGlobals).stytch.session.getSync());
        expect(sync?.session_id).toBe(sessionId);
        let liveToken: string;
        if (mode === 'none') {
          expect(tokens).not.toBeNull();
          // getTokens() is what the SDK keeps in the page's own cookies.
          const cookies = Object.fromEntries(
            (await context.cookies(pageOrigin)).map((cookie) => [cookie.name, cookie.value]),
          );
          expect(tokens).toEqual({
            session_token: cookies['stytch_session'],
            session_jwt: cookies['stytch_session_jwt'],
          });
          liveToken = tokens!.session_token;
        } else {
          // A live session, and yet no token the page can read: the HttpOnly cookies of the parent domain hold it.
          expect(tokens).toBeNull();
          expect(
            await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie),
          ).not.toMatch(/stytch_session/);
          const cookies = await apiCookies(context);
          expect(cookies.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite, c.domain]).sort()).toEqual([
            ['stytch_session', true, true, 'Lax', '.shop.test'],
            ['stytch_session_jwt', true, true, 'Lax', '.shop.test'],
          ]);
          liveToken = cookies.find((cookie) => cookie.name === 'stytch_session')!.value;
        }
        const checked = await server.service.authenticateSession({ sessionToken: liveToken });
        expect(checked.session.session_id).toBe(sessionId);

        const jwtBefore = (await server.service.authenticateSession({ sessionToken: liveToken })).sessionJwt;
        const eventsBefore = (await events()).length;
        const refreshed = await page.evaluate(() =>
          (globalThis as unknown as PageGlobals).stytch.session.authenticate({ session_duration_minutes: 120 }),
        );
        expect(refreshed.session.session_id).toBe(sessionId);
        // The extension changed the session: onChange saw it.
        await expect.poll(async () => (await events()).slice(eventsBefore)).toContain(sessionId);
        const freshJwt =
          mode === 'none'
            ? refreshed.session_jwt
            : (await apiCookies(context)).find((cookie) => cookie.name === 'stytch_session_jwt')!.value;
        expect(freshJwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        const verified = await server.service.verifySessionJwt(freshJwt);
        expect(verified.session.id).toBe(sessionId);
        expect(verified.issuedAt.getTime()).toBeGreaterThanOrEqual(
          (await server.service.verifySessionJwt(jwtBefore)).issuedAt.getTime(),
        );

        // Tokens from another browser context: there through getTokens(), or in HttpOnly mode through its cookies.
        const otherPage = await openPage(otherContext);
        const otherEmail = await newUser(server);
        const otherLogin = await otherPage.evaluate(
          ({ publicToken, email, password }) => {
            const w = globalThis as unknown as PageGlobals;
            w.stytch = new w.StytchSDK.StytchClient(publicToken, { customBaseUrl: 'https://api.shop.test' });
            return w.stytch.passwords.authenticate({ email, password, session_duration_minutes: 60 });
          },
          { publicToken, email: otherEmail, password: PASSWORD },
        );
        const otherCookie = async (name: string) =>
          (await apiCookies(otherContext)).find((cookie) => cookie.name === name)?.value ?? '';
        const otherTokens =
          mode === 'none'
            ? (await otherPage.evaluate(() => (globalThis as unknown as PageGlobals).stytch.session.getTokens()))!
            : {
                session_token: await otherCookie('stytch_session'),
                session_jwt: await otherCookie('stytch_session_jwt'),
              };
        const moved = await page.evaluate(async ({ session_token, session_jwt }) => {
          const { stytch } = globalThis as unknown as PageGlobals;
          stytch.session.updateSession({ session_token, session_jwt });
          return stytch.session.authenticate();
        }, otherTokens);
        expect(moved.session.session_id).toBe(otherLogin.session.session_id);
        expect(moved.user.user_id).toBe(otherLogin.user_id);
        await expect.poll(events).toContain(otherLogin.session.session_id);

        await page.evaluate(() => (globalThis as unknown as PageGlobals).stytch.session.revoke());
        expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).stytch.session.getTokens())).toBeNull();
        await expect.poll(async () => (await events()).at(-1)).toBeNull();
        await expect(
          server.service.authenticateSession({ sessionToken: otherTokens.session_token }),
        ).rejects.toMatchObject({ errorType: 'session_not_found' });
        if (mode === 'httponly') expect(await apiCookies(context)).toEqual([]);

        const refused = await page.evaluate(
          async ({ email }) => {
            try {
              await (globalThis as unknown as PageGlobals).stytch.passwords.authenticate({
                email,
                password: 'not the password',
                session_duration_minutes: 60,
              });
              return 'accepted';
            } catch (error) {
              return (error as { error_type?: string }).error_type ?? String(error);
            }
          },
          { email },
        );
        expect(refused).toBe('unauthorized_credentials');
      } finally {
        await context.close();
        await otherContext.close();
      }
    }, 90_000);

    it('walks our own browser provider: open, tokens, authenticate, reattach, revoke, wrong password', async () => {
      const context = await browser.newContext();
      const otherContext = await browser.newContext();
      try {
        const page = await openPage(context);
        const create = (httpOnlyCookies: boolean) => (target: Page) =>
          target.evaluate(
            ({ publicToken, httpOnlyCookies }) => {
              const w = globalThis as unknown as PageGlobals;
              w.events = [];
              w.provider = new w.StytchLike.StytchLikeBrowserSessionProvider({
                baseUrl: 'https://api.shop.test',
                publicToken,
                httpOnlyCookies,
              });
              w.provider.onChange((event) => w.events.push(event.session?.sessionId ?? null));
              w.provider.setSessionToken(true);
            },
            { publicToken, httpOnlyCookies },
          );
        await create(mode === 'httponly')(page);
        const email = await newUser(server);
        const opened = await page.evaluate(
          ({ email, password }) => (globalThis as unknown as PageGlobals).provider.open({ email, password }),
          { email, password: PASSWORD },
        );
        const tokens = await page.evaluate(() => (globalThis as unknown as PageGlobals).provider.getTokens());
        const liveToken =
          mode === 'none'
            ? tokens!.sessionToken
            : (await apiCookies(context)).find((cookie) => cookie.name === 'stytch_session')!.value;
        if (mode === 'httponly') expect(tokens).toBeNull();
        expect((await server.service.authenticateSession({ sessionToken: liveToken })).session.session_id).toBe(
          opened.sessionId,
        );

        const extended = await page.evaluate(() =>
          (globalThis as unknown as PageGlobals).provider.authenticate({ durationMinutes: 120 }),
        );
        expect(extended.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 110 * 60_000);

        const otherPage = await openPage(otherContext);
        await create(mode === 'httponly')(otherPage);
        await otherPage.evaluate(
          ({ email, password }) => (globalThis as unknown as PageGlobals).provider.open({ email, password }),
          { email: await newUser(server), password: PASSWORD },
        );
        const otherTokens =
          mode === 'none'
            ? (await otherPage.evaluate(() => (globalThis as unknown as PageGlobals).provider.getTokens()))!
            : {
                sessionToken: (await apiCookies(otherContext)).find((c) => c.name === 'stytch_session')!.value,
                sessionJwt: (await apiCookies(otherContext)).find((c) => c.name === 'stytch_session_jwt')!.value,
              };
        const reattached = await page.evaluate(
          (tokens) => (globalThis as unknown as PageGlobals).provider.setSessionToken(tokens),
          otherTokens,
        );
        const otherSession = await server.service.authenticateSession({ sessionToken: otherTokens.sessionToken });
        expect(reattached.sessionId).toBe(otherSession.session.session_id);

        await page.evaluate(() => (globalThis as unknown as PageGlobals).provider.revoke());
        expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).provider.getSession())).toBeNull();
        await expect(
          server.service.authenticateSession({ sessionToken: otherTokens.sessionToken }),
        ).rejects.toMatchObject({ errorType: 'session_not_found' });
        if (mode === 'httponly') expect(await apiCookies(context)).toEqual([]);
        const events = await page.evaluate(() => (globalThis as unknown as PageGlobals).events);
        expect(events).toEqual([opened.sessionId, opened.sessionId, reattached.sessionId, null]);

        const refused = await page.evaluate(
          async ({ email }) => {
            try {
              await (globalThis as unknown as PageGlobals).provider.open({ email, password: 'not the password' });
              return 'accepted';
            } catch (error) {
              return (error as { code?: string }).code ?? String(error);
            }
          },
          { email },
        );
        expect(refused).toBe('BAD_CREDENTIALS');
        await page.evaluate(() => (globalThis as unknown as PageGlobals).provider.close());
      } finally {
        await context.close();
        await otherContext.close();
      }
    }, 90_000);

    it('gives a page on an origin that is not authorized no use of the API', async () => {
      const context = await browser.newContext();
      try {
        const page = await openPage(context, otherOrigin);
        const email = `u-${randomUUID()}@example.test`;
        const { user } = await server.service.createPasswordUser({ email, password: PASSWORD });
        const sessionsBefore = (await server.service.listSessions(user.user_id)).map((s) => s.session_id);
        const outcome = await page.evaluate(
          async ({ publicToken, email, password }) => {
            const w = globalThis as unknown as PageGlobals;
            const provider = new w.StytchLike.StytchLikeBrowserSessionProvider({
              baseUrl: 'https://api.shop.test',
              publicToken,
            });
            const stytch = new w.StytchSDK.StytchClient(publicToken, { customBaseUrl: 'https://api.shop.test' });
            const results: string[] = [];
            try {
              await stytch.passwords.authenticate({ email, password, session_duration_minutes: 60 });
              results.push('sdk: accepted');
            } catch (error) {
              results.push(`sdk: ${(error as Error).name}`);
            }
            try {
              await provider.open({ email, password });
              results.push('provider: accepted');
            } catch (error) {
              results.push(`provider: ${(error as { code?: string }).code ?? String(error)}`);
            }
            await provider.close();
            return results;
          },
          { publicToken, email, password: PASSWORD },
        );
        expect(outcome).not.toContain('sdk: accepted');
        expect(outcome).toContain('provider: UNAVAILABLE');
        // The page's logins never ran: the user has the sessions it had.
        expect((await server.service.listSessions(user.user_id)).map((s) => s.session_id)).toEqual(sessionsBefore);
        // The refusals were the server's 403s (not a network failure): the preflights came and were refused.
        expect(refusedOrigins).toContain(otherOrigin);
      } finally {
        await context.close();
      }
    }, 60_000);
  });
}
