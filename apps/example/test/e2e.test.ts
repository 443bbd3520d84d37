// End-to-end: a real Chromium (Debian's, driven by playwright-core) against the shop running as its own process,
// for each provider. The OrientDB case runs a real OrientDB server started by the orientdb package's harness.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSessionTokenError } from '@sessiontoken/core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, PROVIDER_NAMES, type ProviderName } from '../src/config.js';
import { createShopBackend } from '../src/provider-factory.js';
import { SESSION_COOKIE } from '../src/web/app.js';
import { freePort, startOrientDBForTests, startShop, type RunningShop } from './support/processes.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../test-results/', import.meta.url));

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

/** Runs `body` with a fresh browser context; on failure saves a screenshot and prints its path. */
async function inBrowser(name: string, body: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  try {
    await body(page, context);
  } catch (error) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name.replace(/[^\w-]+/g, '-')}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    console.error(`screenshot of the failure: ${path}`);
    throw error;
  } finally {
    await context.close();
  }
}

async function logIn(page: Page, login: string, password: string): Promise<void> {
  await page.getByLabel(/email|username/i).fill(login);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function cartQuantities(page: Page): Promise<Record<string, string>> {
  const rows = page.locator('table[data-testid="cart"] tbody tr');
  const result: Record<string, string> = {};
  for (const row of await rows.all()) {
    result[(await row.getAttribute('data-sku'))!] = (await row
      .locator('[data-testid="quantity"]')
      .textContent())!.trim();
  }
  return result;
}

describe.each(PROVIDER_NAMES.map((p) => [p]))('shop on %s', (provider: ProviderName) => {
  let dataDir: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let stopOrientDB: (() => Promise<void>) | undefined;
  let shop: RunningShop | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `shop-e2e-${provider}-`));
    port = await freePort();
    env = { ...process.env, EXAMPLE_DATA_DIR: dataDir };
    if (provider === 'orientdb') {
      const orientdb = await startOrientDBForTests();
      stopOrientDB = orientdb.stop;
      Object.assign(env, orientdb.env);
    }
  });

  afterAll(async () => {
    await shop?.stop();
    await stopOrientDB?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`[${provider}] keeps the session and the cart across an app restart; logout ends the token`, async () => {
    shop = await startShop({ provider, port, env });
    const backend = await createShopBackend(parseConfig(['--provider', provider], env));
    try {
      await inBrowser(`${provider}-session-and-cart`, async (page, context) => {
        await page.goto(`${shop!.url}/`);
        await expect.poll(() => page.url()).toContain('/login');
        await logIn(page, backend.demoUser!.login, backend.demoUser!.password);
        await page.waitForURL('**/cart');
        await expect.poll(() => page.getByTestId('cart-empty').isVisible()).toBe(true);

        await page.getByRole('button', { name: 'Add Sencha green tea to cart' }).click();
        await page.waitForURL('**/cart');
        await page.getByRole('button', { name: 'Add Stoneware mug to cart' }).click();
        await page.waitForURL('**/cart');
        await page.getByRole('button', { name: 'Add Sencha green tea to cart' }).click();
        await page.waitForURL('**/cart');
        expect(await cartQuantities(page)).toEqual({ 'mug-stoneware': '1', 'tea-sencha': '2' });

        const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
        expect(cookie, 'the session cookie').toBeDefined();
        expect(cookie!.httpOnly).toBe(true);
        expect(cookie!.sameSite).toBe('Lax');

        // A new process of the app: nothing in memory survives, only the cookie and the stores.
        await shop!.restart();
        await page.reload();
        expect(page.url()).toContain('/cart');
        expect(await cartQuantities(page)).toEqual({ 'mug-stoneware': '1', 'tea-sencha': '2' });
        expect(await page.getByTestId('subject').textContent()).toBe(backend.demoUser!.login);

        await page.getByRole('link', { name: 'Your session' }).click();
        await expect.poll(() => page.getByTestId('session').isVisible()).toBe(true);
        expect(await page.getByTestId('expires').textContent()).toMatch(/\d{4}-\d\d-\d\d/);
        if (provider === 'stytch-like')
          expect(await page.getByTestId('jwt-expires').textContent()).toMatch(/\d{4}-\d\d-\d\d/);

        const token = (await context.cookies()).find((c) => c.name === SESSION_COOKIE)!.value;
        await page.getByRole('button', { name: 'Log out' }).click();
        await page.waitForURL('**/login?reason=signed-out');
        expect(await page.getByTestId('notice').textContent()).toContain('logged out');
        expect((await context.cookies()).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();

        // The old cookie's token no longer opens the shop...
        await context.addCookies([{ name: SESSION_COOKIE, value: token, url: shop!.url }]);
        await page.goto(`${shop!.url}/cart`);
        await page.waitForURL('**/login?reason=ended');

        // ...and the backend itself refuses it where it can revoke; otherwise it only expires (documented).
        const probe = backend.createProvider();
        try {
          if (probe.capabilities.serverRevocation) {
            const error = await probe.setSessionToken(token).catch((e: unknown) => e);
            expect(
              isSessionTokenError(error, 'INVALID_TOKEN', 'REVOKED'),
              `the provider rejects the logged-out token: ${String(error)}`,
            ).toBe(true);
          } else {
            await expect(probe.setSessionToken(token)).resolves.toMatchObject({ subject: expect.any(String) });
          }
        } finally {
          await probe.close();
        }
      });
    } finally {
      await backend.close();
    }
  });

  it(`[${provider}] a wrong password shows an error and no session`, async () => {
    shop ??= await startShop({ provider, port, env });
    const backend = await createShopBackend(parseConfig(['--provider', provider], env));
    try {
      await inBrowser(`${provider}-wrong-password`, async (page, context) => {
        await page.goto(`${shop!.url}/login`);
        await logIn(page, backend.demoUser!.login, 'not the password');
        await expect.poll(() => page.getByTestId('notice').textContent()).toContain('do not match');
        expect((await context.cookies()).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
      });
    } finally {
      await backend.close();
    }
  });
});
