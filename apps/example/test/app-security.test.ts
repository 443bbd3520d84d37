// The shop's request-level defences, through Fastify's inject against the real embedded Stytch-like backend.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CartStore } from '../src/cart-store.js';
import { parseConfig } from '../src/config.js';
import { createShopBackend } from '../src/provider-factory.js';
import type { ShopBackend } from '../src/shop-backend.js';
import { buildShopApp, SECURE_SESSION_COOKIE, SESSION_COOKIE } from '../src/web/app.js';
import { crossOriginReason } from '../src/web/same-origin.js';

describe('crossOriginReason', () => {
  const own = 'http://127.0.0.1:3000';
  it.each([
    [{}, null],
    [{ origin: own }, null],
    [{ origin: own, 'sec-fetch-site': 'same-origin' }, null],
    [{ 'sec-fetch-site': 'none' }, null],
    [{ origin: 'http://127.0.0.1:3001' }, 'origin'],
    [{ origin: 'null' }, 'origin'],
    [{ origin: 'http://127.0.0.1:3000.evil.test' }, 'origin'],
    [{ origin: 'HTTP://127.0.0.1:3000' }, 'origin'],
    [{ 'sec-fetch-site': 'same-site' }, 'site'],
    [{ 'sec-fetch-site': 'cross-site' }, 'site'],
    [{ origin: own, 'sec-fetch-site': 'cross-site' }, 'site'],
  ] as const)('%j → %s', (headers, verdict) => {
    const reason = crossOriginReason(headers, own);
    if (verdict === null) expect(reason).toBeNull();
    else expect(reason).toContain(verdict);
  });
});

describe('shop app defences', () => {
  let dataDir: string;
  let backend: ShopBackend;
  let carts: CartStore;
  let plain: FastifyInstance;
  let proxied: FastifyInstance;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'shop-security-'));
    backend = await createShopBackend(parseConfig(['--data-dir', dataDir], {}));
    carts = new CartStore(join(dataDir, 'cart.sqlite'));
    plain = await buildShopApp({ backend, carts });
    proxied = await buildShopApp({ backend, carts, secureCookies: true, origin: 'https://shop.example' });
  });

  afterAll(async () => {
    await plain?.close();
    await proxied?.close();
    carts?.close();
    await backend?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const demo = () =>
    `login=${encodeURIComponent(backend.demoUser!.login)}&password=${encodeURIComponent(backend.demoUser!.password)}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('looks `reason` up in its own keys only', async () => {
    for (const reason of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const response = await plain.inject({ method: 'GET', url: `/login?reason=${reason}` });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain('data-testid="notice"');
      expect(response.body).not.toMatch(/function|\[native code\]/);
    }
    expect((await plain.inject({ method: 'GET', url: '/login?reason=signed-out' })).body).toContain('logged out');
  });

  it.each([
    ['another origin', { origin: 'http://evil.test' }],
    ['a sibling port', { origin: 'http://localhost:1' }],
    ['an opaque origin', { origin: 'null' }],
    ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
    ['a same-site fetch', { 'sec-fetch-site': 'same-site' }],
  ])('refuses a login POST from %s with 403 and sets no cookie', async (_name, headers) => {
    const response = await plain.inject({
      method: 'POST',
      url: '/login',
      headers: { ...form, host: 'localhost', ...headers },
      payload: demo(),
    });
    expect(response.statusCode).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('logs in from its own origin, and from a client that sends neither header', async () => {
    for (const headers of [{ origin: 'http://localhost', 'sec-fetch-site': 'same-origin' }, {}]) {
      const response = await plain.inject({
        method: 'POST',
        url: '/login',
        headers: { ...form, host: 'localhost', ...headers },
        payload: demo(),
      });
      expect(response.statusCode).toBe(303);
      expect(String(response.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
      expect(String(response.headers['set-cookie'])).not.toMatch(/Secure/);
    }
  });

  it('behind a TLS proxy: the configured origin only, and a Secure __Host- cookie', async () => {
    const refused = await proxied.inject({
      method: 'POST',
      url: '/login',
      headers: { ...form, host: 'shop.example', origin: 'http://shop.example' },
      payload: demo(),
    });
    expect(refused.statusCode).toBe(403);
    const response = await proxied.inject({
      method: 'POST',
      url: '/login',
      headers: { ...form, host: 'internal:8080', origin: 'https://shop.example' },
      payload: demo(),
    });
    expect(response.statusCode).toBe(303);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${SECURE_SESSION_COOKIE}=`));
    expect(cookie).toMatch(/; Path=\/(;|$)/);
    expect(cookie).toMatch(/; Secure/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).not.toMatch(/Domain=/i);
    const logout = await proxied.inject({
      method: 'POST',
      url: '/logout',
      headers: { host: 'internal:8080', origin: 'https://shop.example', cookie: cookie.split(';')[0]! },
    });
    expect(logout.statusCode).toBe(303);
    expect(String(logout.headers['set-cookie'])).toMatch(new RegExp(`^${SECURE_SESSION_COOKIE}=;.*Secure`));
  });
});
