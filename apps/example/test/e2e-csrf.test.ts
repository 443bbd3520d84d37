// Cross-site request forgery in a real Chromium: pages on other origins auto-submit forms to the shop (login CSRF,
// forced logout, a forced cart change). The shop runs as its own process, over HTTP and over HTTPS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from '../src/web/app.js';
import { freePort, startShop, type RunningShop } from './support/processes.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// The embedded backend's demo account (provider-factory.ts): the attacker logs the victim into it.
const DEMO = { login: 'shopper@example.com', password: 'correct horse battery staple' };

let browser: Browser;
let dataDir: string;
let attacker: Server;
let attackerPort: number;
/** Forged pages by path, each an auto-submitting form. */
const forged = new Map<string, string>();

/** A page that posts `fields` to `action` as soon as it loads, as a hostile site would. */
function forge(path: string, action: string, fields: Record<string, string>): void {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
  forged.set(
    path,
    `<!doctype html><title>win a prize</title><form method="post" action="${action}">${inputs}</form><script>document.forms[0].submit()</script>`,
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'shop-csrf-'));
  attackerPort = await freePort();
  attacker = createServer((request, response) => {
    const page = forged.get(new URL(request.url ?? '/', 'http://x').pathname);
    response.writeHead(page ? 200 : 404, { 'content-type': 'text/html' }).end(page ?? 'not found');
  });
  await new Promise<void>((resolve) => attacker.listen(attackerPort, '127.0.0.1', resolve));
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
      // Two more sites on loopback: the HTTPS shop and a cross-site attacker.
      '--host-resolver-rules=MAP shop.test 127.0.0.1, MAP evil.test 127.0.0.1',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function inContext(body: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  try {
    await body(page, context);
  } finally {
    await context.close();
  }
}

async function logIn(page: Page, shopUrl: string): Promise<void> {
  await page.goto(`${shopUrl}/login`);
  await page.getByLabel(/email/i).fill(DEMO.login);
  await page.getByLabel('Password').fill(DEMO.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/cart');
}

async function cartQuantities(page: Page, shopUrl: string): Promise<Record<string, string>> {
  await page.goto(`${shopUrl}/cart`);
  expect(page.url()).toBe(`${shopUrl}/cart`);
  const result: Record<string, string> = {};
  for (const row of await page.locator('table[data-testid="cart"] tbody tr').all()) {
    result[(await row.getAttribute('data-sku'))!] = (await row
      .locator('[data-testid="quantity"]')
      .textContent())!.trim();
  }
  return result;
}

/** Opens the forged page and waits for the shop's answer to its POST. */
async function suffer(page: Page, forgedUrl: string, shopUrl: string): Promise<number> {
  const answer = page.waitForResponse(
    (response) => response.url().startsWith(shopUrl) && response.request().method() === 'POST',
  );
  await page.goto(forgedUrl);
  return (await answer).status();
}

describe.each([
  ['http', []],
  ['https', ['--tls-cert', 'cert.pem', '--tls-key', 'key.pem']],
] as const)('the shop over %s', (scheme, tlsArgs) => {
  let shop: RunningShop | undefined;
  let shopUrl: string;
  const cookieName = scheme === 'https' ? SECURE_SESSION_COOKIE : SESSION_COOKIE;

  beforeAll(async () => {
    const dir = join(dataDir, scheme);
    const port = await freePort();
    if (scheme === 'https') {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=shop.test',
          '-addext',
          'subjectAltName=DNS:shop.test',
          '-keyout',
          join(dataDir, 'key.pem'),
          '-out',
          join(dataDir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
    }
    shopUrl = scheme === 'https' ? `https://shop.test:${port}` : `http://127.0.0.1:${port}`;
    shop = await startShop({
      provider: 'stytch-like',
      port,
      env: { ...process.env, EXAMPLE_DATA_DIR: dir },
      args: tlsArgs.map((a) => (a.endsWith('.pem') ? join(dataDir, a) : a)),
      url: shopUrl,
    });
  });

  afterAll(async () => {
    await shop?.stop();
  });

  // A sibling origin on the same site (another port of the shop's host) gets SameSite=Lax cookies sent along, so
  // only the origin check stands between it and the cart; evil.test is a different site altogether.
  const attackers = () => [`http://127.0.0.1:${attackerPort}`, `http://evil.test:${attackerPort}`];

  it(`[${scheme}] refuses a forged login (login CSRF) and sets no cookie`, async () => {
    for (const origin of attackers()) {
      forge(`/login-${scheme}`, `${shopUrl}/login`, DEMO);
      await inContext(async (page, context) => {
        expect(await suffer(page, `${origin}/login-${scheme}`, shopUrl)).toBe(403);
        await page.getByRole('heading', { name: 'Request refused' }).waitFor();
        expect(await context.cookies(shopUrl)).toEqual([]);
        await page.goto(`${shopUrl}/cart`);
        await page.waitForURL('**/login');
      });
    }
  });

  it(`[${scheme}] refuses a forged logout and a forged cart change; the shop's own forms keep working`, async () => {
    await inContext(async (page, context) => {
      await logIn(page, shopUrl);
      const cookie = (await context.cookies(shopUrl)).find((c) => c.name === cookieName);
      expect(cookie, `the ${cookieName} cookie`).toBeDefined();
      expect(cookie!.secure).toBe(scheme === 'https');
      expect(cookie!.httpOnly).toBe(true);
      await page.getByRole('button', { name: 'Add Stoneware mug to cart' }).click();
      await page.waitForURL('**/cart');
      const before = await cartQuantities(page, shopUrl);
      expect(before['mug-stoneware']).toBeDefined();

      for (const origin of attackers()) {
        forge(`/add-${scheme}`, `${shopUrl}/cart/add`, { sku: 'tea-sencha' });
        expect(await suffer(page, `${origin}/add-${scheme}`, shopUrl)).toBe(403);
        forge(`/logout-${scheme}`, `${shopUrl}/logout`, {});
        expect(await suffer(page, `${origin}/logout-${scheme}`, shopUrl)).toBe(403);
      }
      // Still signed in with the same token, and the cart is as it was.
      expect((await context.cookies(shopUrl)).find((c) => c.name === cookieName)?.value).toBe(cookie!.value);
      expect(await cartQuantities(page, shopUrl)).toEqual(before);

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/login?reason=signed-out');
      expect(await context.cookies(shopUrl)).toEqual([]);
    });
  });
});
