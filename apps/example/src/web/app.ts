import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { isSessionTokenError, type SessionInfo, type SessionTokenProvider } from '@sessiontoken/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CartStore } from '../cart-store.js';
import { findProduct } from '../catalog.js';
import type { ShopBackend } from '../shop-backend.js';
import { crossOriginReason, ownOrigin } from './same-origin.js';
import { cartPage, errorPage, loginPage, sessionPage } from './views.js';

/** The cookie that carries the session token over plain HTTP (local development). */
export const SESSION_COOKIE = 'shop_session';
/** The cookie over HTTPS: `__Host-` makes the browser insist on `Secure`, `Path=/` and no `Domain`, so no sibling host can plant or shadow it. */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** Methods that change nothing, so a cross-origin page may send them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ShopAppOptions {
  readonly backend: ShopBackend;
  readonly carts: CartStore;
  /** Serve HTTPS with this certificate chain and key (PEM); the session cookie is then `Secure` and `__Host-`. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Mark the cookie `Secure` with the `__Host-` prefix although the shop speaks HTTP (behind a TLS-terminating proxy). */
  readonly secureCookies?: boolean;
  /** The origin browsers reach the shop at (`https://shop.example`); by default the scheme it serves and the `Host` header. */
  readonly origin?: string;
  /** Fastify's logger; off by default. Tokens never reach it: cookies and bodies are not logged. */
  readonly logger?: boolean;
}

/** Why the user is sent back to the login page. */
const LOGIN_MESSAGES = {
  ended: 'Your session ended. Please log in again.',
  'signed-out': 'You have been logged out.',
  failed: 'That email/username and password do not match an account.',
} as const;
type LoginReason = keyof typeof LOGIN_MESSAGES;

interface SkuBody {
  sku?: unknown;
}

/**
 * The shop: server-rendered pages, the session token in an HttpOnly cookie, and on every request a fresh provider
 * that reattaches with `setSessionToken(cookie)`, exactly as a process in a cluster would.
 */
export async function buildShopApp(options: ShopAppOptions): Promise<FastifyInstance> {
  const { backend, carts } = options;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 16 * 1024,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);

  const secure = Boolean(options.tls) || (options.secureCookies ?? false);
  const sessionCookie = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  const cookieOptions = (expiresAt: Date | null) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/',
    ...(expiresAt ? { expires: expiresAt } : {}),
  });
  // A `__Host-` cookie is only cleared by a Set-Cookie that is itself `Secure` with `Path=/`.
  const clearSessionCookie = (reply: FastifyReply) =>
    reply.clearCookie(sessionCookie, { path: '/', secure, httpOnly: true, sameSite: 'lax' });

  // CSRF defence for every state-changing request, login included (login CSRF signs a victim into the attacker's
  // account): a browser names the page that sent a form in `Origin` and `Sec-Fetch-Site`, and a forged page cannot
  // lie in either. Refused before the body is parsed, so nothing is read, changed or logged in.
  app.addHook('onRequest', async (request, reply) => {
    if (SAFE_METHODS.has(request.method)) return;
    const reason = crossOriginReason(request.headers, ownOrigin(options.origin, secure, request.headers.host));
    if (reason === null) return;
    return reply
      .code(403)
      .type('text/html')
      .send(
        errorPage({
          backend: backend.name,
          title: 'Request refused',
          message: `The shop refused this request: ${reason}. Please use the shop's own pages.`,
        }),
      );
  });

  const toLogin = (reply: FastifyReply, reason?: LoginReason) =>
    reply.redirect(reason ? `/login?reason=${reason}` : '/login', 303);

  /**
   * Reattaches to the request's session and runs `handler` with it. An ended session (expired, invalid, revoked,
   * signed out) clears the cookie and goes back to login; a backend that cannot be reached gets a 503 page.
   */
  async function withSession(
    request: FastifyRequest,
    reply: FastifyReply,
    handler: (provider: SessionTokenProvider, session: SessionInfo) => Promise<unknown>,
  ): Promise<unknown> {
    const token = request.cookies[sessionCookie];
    if (!token) return toLogin(reply);
    if (carts.isSignedOut(token)) {
      clearSessionCookie(reply);
      return toLogin(reply, 'ended');
    }
    const provider = backend.createProvider();
    try {
      const session = await provider.setSessionToken(token);
      const result = await handler(provider, session);
      // The backend may hand out a renewed token during the request: keep the cookie current.
      const current = provider.getSessionToken();
      if (current && current !== token && !reply.sent)
        reply.setCookie(sessionCookie, current, cookieOptions(provider.getSession()?.expiresAt ?? null));
      return result;
    } catch (error) {
      if (isSessionTokenError(error, 'EXPIRED', 'INVALID_TOKEN', 'REVOKED', 'NO_SESSION')) {
        clearSessionCookie(reply);
        return toLogin(reply, 'ended');
      }
      if (isSessionTokenError(error, 'UNAVAILABLE')) {
        return reply
          .code(503)
          .type('text/html')
          .send(
            errorPage({
              backend: backend.name,
              title: 'Temporarily unavailable',
              message: 'The session service cannot be reached right now. Please try again in a moment.',
            }),
          );
      }
      throw error;
    } finally {
      await provider.close();
    }
  }

  const nameOf = (session: SessionInfo) => carts.shopperName(session.subject) ?? backend.displayName(session);

  const skuOf = (request: FastifyRequest<{ Body: SkuBody }>) => {
    const sku = request.body?.sku;
    return typeof sku === 'string' && findProduct(sku) ? sku : null;
  };

  app.get('/', async (request, reply) => reply.redirect(request.cookies[sessionCookie] ? '/cart' : '/login', 303));

  app.get<{ Querystring: { reason?: string } }>('/login', async (request, reply) => {
    const reason = request.query.reason;
    // Own keys only: `?reason=constructor` or `?reason=__proto__` must not reach Object.prototype.
    const message = reason && Object.hasOwn(LOGIN_MESSAGES, reason) ? LOGIN_MESSAGES[reason as LoginReason] : undefined;
    return reply.type('text/html').send(
      loginPage({
        backend: backend.name,
        loginLabel: backend.loginLabel,
        demoUser: backend.demoUser,
        ...(message ? { message } : {}),
      }),
    );
  });

  app.post<{ Body: { login?: unknown; password?: unknown } }>('/login', async (request, reply) => {
    const login = typeof request.body?.login === 'string' ? request.body.login.trim() : '';
    const password = typeof request.body?.password === 'string' ? request.body.password : '';
    const provider = backend.createProvider();
    try {
      provider.setSessionToken(true);
      const session = await backend.logIn(provider, login, password);
      carts.rememberShopper(session.subject, login);
      const token = provider.getSessionToken();
      if (!token) throw new Error('the provider returned no token with token mode on');
      reply.setCookie(sessionCookie, token, cookieOptions(session.expiresAt));
      return reply.redirect('/cart', 303);
    } catch (error) {
      if (isSessionTokenError(error, 'BAD_CREDENTIALS', 'INVALID_ARGUMENT')) {
        return reply
          .code(401)
          .type('text/html')
          .send(
            loginPage({
              backend: backend.name,
              loginLabel: backend.loginLabel,
              demoUser: backend.demoUser,
              message: LOGIN_MESSAGES.failed,
              login,
            }),
          );
      }
      if (isSessionTokenError(error, 'UNAVAILABLE')) {
        return reply
          .code(503)
          .type('text/html')
          .send(
            errorPage({
              backend: backend.name,
              title: 'Temporarily unavailable',
              message: 'The session service cannot be reached right now. Please try again in a moment.',
            }),
          );
      }
      throw error;
    } finally {
      await provider.close();
    }
  });

  app.get('/cart', (request, reply) =>
    withSession(request, reply, async (_provider, session) =>
      reply.type('text/html').send(
        cartPage({
          backend: backend.name,
          session,
          displayName: nameOf(session),
          lines: carts.list(session.subject),
        }),
      ),
    ),
  );

  app.post<{ Body: SkuBody }>('/cart/add', (request, reply) =>
    withSession(request, reply, async (_provider, session) => {
      const sku = skuOf(request);
      if (sku) carts.add(session.subject, sku);
      return reply.redirect('/cart', 303);
    }),
  );

  app.post<{ Body: SkuBody }>('/cart/remove', (request, reply) =>
    withSession(request, reply, async (_provider, session) => {
      const sku = skuOf(request);
      if (sku) carts.remove(session.subject, sku);
      return reply.redirect('/cart', 303);
    }),
  );

  app.get('/session', (request, reply) =>
    withSession(request, reply, async (provider, session) =>
      reply.type('text/html').send(
        sessionPage({
          backend: backend.name,
          session,
          displayName: nameOf(session),
          jwtExpiresAt: jwtExpiry(provider.getTokens()?.sessionJwt ?? null),
          cartCount: carts.list(session.subject).reduce((n, l) => n + l.quantity, 0),
        }),
      ),
    ),
  );

  app.post('/logout', async (request, reply) => {
    const token = request.cookies[sessionCookie];
    clearSessionCookie(reply);
    if (token && !carts.isSignedOut(token)) {
      const provider = backend.createProvider();
      try {
        const session = await provider.setSessionToken(token);
        // Where the backend cannot revoke a token itself, the shop refuses it from now on.
        if (!provider.capabilities.serverRevocation) carts.rememberSignedOut(token, session.expiresAt);
        await provider.revoke();
      } catch (error) {
        if (!isSessionTokenError(error, 'EXPIRED', 'INVALID_TOKEN', 'REVOKED', 'NO_SESSION')) throw error;
      } finally {
        await provider.close();
      }
    }
    return toLogin(reply, 'signed-out');
  });

  app.setErrorHandler((error, request, reply) => {
    const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
    request.log.error({ err: { name, message } }, 'request failed');
    return reply
      .code(500)
      .type('text/html')
      .send(
        errorPage({
          backend: backend.name,
          title: 'Something went wrong',
          message: 'The shop could not complete that request.',
        }),
      );
  });

  return app;
}

/** `exp` of a compact JWT, read without verifying (display only; the backend verified it). */
function jwtExpiry(jwt: string | null): Date | null {
  const payload = jwt?.split('.')[1];
  if (!payload) return null;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' ? new Date(exp * 1000) : null;
  } catch {
    return null;
  }
}
