import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { StytchLikeApiError } from '../../model/api-error.js';
import { newStytchId, projectEnvironment } from '../../model/ids.js';
import type { SessionAuthentication, StytchLikeSessionService } from '../service/session-service.js';
import { tooManyRequests } from '../service/brute-force-limits.js';
import { registerAddressLimits } from './address-limits.js';
import { RefusalPacer } from './refusal-pacing.js';
import { basicAuthMatches, checkProjectSecrets } from './basic-auth.js';
import { toApiError } from './error-responses.js';
import { serverLoggerOptions, type ServerLogOptions } from './logging.js';
import type { AuthenticatePasswordBody, CreatePasswordBody, PasswordFlows } from './password-flows.js';
import { registerSdkApi, SDK_API_PREFIX } from './sdk-api.js';
import { checkAllowedOrigins, checkCookieDomain, SESSION_COOKIE_MODES, type SessionCookieMode } from './sdk-origins.js';
import {
  authenticatePasswordBody,
  authenticateSessionBody,
  createPasswordBody,
  jwksParams,
  listSessionsQuery,
  resetByExistingPasswordBody,
  resetBySessionBody,
  revokeSessionBody,
  userParams,
} from './schemas.js';

/** Largest request body accepted by default: far above any valid request (custom claims are capped at 4 KB). */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
/** How long a 429 answer is held by default (see {@link StytchLikeServerOptions.refusalDelayMs}). */
export const DEFAULT_REFUSAL_DELAY_MS = 500;
/** Refusals held at once by default (see {@link StytchLikeServerOptions.maxHeldRefusals}). */
export const DEFAULT_MAX_HELD_REFUSALS = 1024;

/** Options for {@link createStytchLikeServer}. */
export interface StytchLikeServerOptions {
  /** The session service to serve; the server does not close it. */
  readonly service: StytchLikeSessionService;
  /**
   * The project secret: the password of HTTP Basic authentication (the user name is the project id), at least 16
   * characters. Several are accepted at once while a secret rotates: add the new one, move clients, drop the old one.
   */
  readonly secret: string | readonly string[];
  /** Serve HTTPS with this certificate chain and private key (PEM). Without it the server speaks plain HTTP. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Largest request body in bytes. Default 64 KiB. */
  readonly bodyLimitBytes?: number;
  /** `false` (default) for no logs, or where and how much to log. Tokens, secrets and Authorization headers are never logged. */
  readonly logger?: false | ServerLogOptions;
  /** How long a request may take to arrive in full. Default 30 000 ms. */
  readonly requestTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept open. Default 10 000 ms. */
  readonly keepAliveTimeoutMs?: number;
  /** Trust `X-Forwarded-For` for `session.attributes.ip_address` (behind a proxy). Default false. */
  readonly trustProxy?: boolean;
  /**
   * Origins of the pages that may call the frontend-SDK API (`/sdk/v1/...`), each exactly `scheme://host[:port]`:
   * they get credentialed CORS; a request from any other origin is refused with 403 and no CORS headers. Requests
   * without an `Origin` header (not from a browser page) are served. Default: none.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * How the frontend-SDK API hands sessions to pages. `'none'` (default): tokens in the response body, which the
   * official SDK keeps in cookies of the page's own origin (`getTokens()` returns them). `'httponly'`: the server
   * sets `stytch_session` and `stytch_session_jwt` as `HttpOnly; Secure; SameSite=Lax` cookies and leaves the
   * tokens out of the body (`getTokens()` is `null`); needs HTTPS in front of the server.
   */
  readonly sessionCookies?: SessionCookieMode;
  /**
   * The `Domain` of the HttpOnly session cookies: the parent domain the API and the pages share (`shop.example` for
   * `api.shop.example` and `app.shop.example`). Without it the cookies are the API host's own. Only with
   * `sessionCookies: 'httponly'`.
   */
  readonly cookieDomain?: string;
  /**
   * How long a `429 too_many_requests` answer (a brute-force limit, or a full password-hashing queue) is held before it
   * is sent, so that a flood which ignores `Retry-After` is slowed to its client count per delay instead of costing the
   * event loop thousands of refusals a second. `0` answers at once. Default 500 ms.
   */
  readonly refusalDelayMs?: number;
  /** Refusals held at once; past this they are answered at once. Default 1024. */
  readonly maxHeldRefusals?: number;
}

/** A Stytch-compatible HTTP server over a {@link StytchLikeSessionService}. */
export interface StytchLikeServer {
  /** The Fastify instance (for `inject` in tests, or to add routes before `listen`). */
  readonly app: FastifyInstance;
  /** Starts listening; resolves with the base URL, e.g. `https://127.0.0.1:3300`. Port 0 picks a free port. */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /** The base URL once listening. */
  readonly url: string | undefined;
  /** `429` answers being held now (see {@link StytchLikeServerOptions.refusalDelayMs}). */
  readonly heldRefusals: number;
  /** Stops accepting connections, closes idle ones, sends held refusals, waits for requests in flight. Idempotent. */
  close(): Promise<void>;
}

interface AuthenticateSessionBody {
  session_token?: string;
  session_jwt?: string;
  session_duration_minutes?: number;
  session_custom_claims?: Record<string, unknown>;
}
interface ResetByExistingPasswordBody {
  email: string;
  existing_password: string;
  new_password: string;
  session_duration_minutes?: number;
  session_custom_claims?: Record<string, unknown>;
}
interface ResetBySessionBody {
  password: string;
  session_token?: string;
  session_jwt?: string;
  session_duration_minutes?: number;
  session_custom_claims?: Record<string, unknown>;
}
interface RevokeSessionBody {
  user_id?: string;
  session_id?: string;
  session_token?: string;
  session_jwt?: string;
}

/** The session a body names and the changes it asks for, as the service takes them (absent fields stay absent). */
function sessionArguments(body: AuthenticateSessionBody): {
  sessionToken?: string;
  sessionJwt?: string;
  sessionDurationMinutes?: number;
  sessionCustomClaims?: Record<string, unknown>;
} {
  return {
    ...(body.session_token === undefined ? {} : { sessionToken: body.session_token }),
    ...(body.session_jwt === undefined ? {} : { sessionJwt: body.session_jwt }),
    ...(body.session_duration_minutes === undefined ? {} : { sessionDurationMinutes: body.session_duration_minutes }),
    ...(body.session_custom_claims === undefined ? {} : { sessionCustomClaims: body.session_custom_claims }),
  };
}

/**
 * Builds the HTTP API at the origin root, with Stytch's paths and JSON, so the official `stytch` SDK works against it
 * unmodified: `POST /v1/passwords`, `POST /v1/passwords/authenticate`, `GET /v1/sessions?user_id=`,
 * `POST /v1/sessions/authenticate`, `POST /v1/sessions/revoke` (HTTP Basic `project_id:secret`), and
 * `GET /v1/sessions/jwks/:project_id`, `GET /health` (no authentication); and the frontend-SDK API under `/sdk/v1`
 * that the official `@stytch/vanilla-js` speaks (see `sdk-api.ts`).
 */
export function createStytchLikeServer(options: StytchLikeServerOptions): StytchLikeServer {
  const { service } = options;
  const secrets = checkProjectSecrets(options.secret);
  const allowedOrigins = checkAllowedOrigins(options.allowedOrigins);
  const sessionCookies = options.sessionCookies ?? 'none';
  if (!SESSION_COOKIE_MODES.includes(sessionCookies)) {
    throw new TypeError(`sessionCookies must be one of ${SESSION_COOKIE_MODES.join(', ')}`);
  }
  if (options.cookieDomain !== undefined && sessionCookies !== 'httponly') {
    throw new TypeError("cookieDomain is for sessionCookies: 'httponly'");
  }
  const cookieDomain = options.cookieDomain === undefined ? undefined : checkCookieDomain(options.cookieDomain);
  const environment = projectEnvironment(service.projectId);
  const scheme = options.tls ? 'https' : 'http';
  // The HTTPS instance is typed apart by Fastify; routes, hooks and `server.close*` are the same for both.
  const app = Fastify({
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
    logger: options.logger ? serverLoggerOptions(options.logger) : false,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    connectionTimeout: (options.requestTimeoutMs ?? 30_000) + 5000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: () => newStytchId('request-id', environment),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false } },
  }) as unknown as FastifyInstance;
  app.removeContentTypeParser('text/plain');
  const refusals = new RefusalPacer({
    delayMs: options.refusalDelayMs ?? DEFAULT_REFUSAL_DELAY_MS,
    maxHeld: options.maxHeldRefusals ?? DEFAULT_MAX_HELD_REFUSALS,
  });
  // Once closing, held refusals are sent at once and every answer still in flight ends its connection, so close()
  // waits neither for a refusal's delay nor for a keep-alive connection's idle timeout.
  let shuttingDown = false;
  app.addHook('preClose', (done) => {
    shuttingDown = true;
    refusals.releaseAll();
    done();
  });
  app.addHook('onSend', async (_request, reply) => {
    if (shuttingDown) void reply.header('connection', 'close');
  });

  app.setErrorHandler(async (error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.statusCode >= 500) request.log.error({ err: apiError.cause ?? apiError }, 'request failed');
    if (apiError.statusCode === 429) await refusals.hold();
    if (apiError.retryAfterSeconds !== undefined) void reply.header('retry-after', String(apiError.retryAfterSeconds));
    return reply.code(apiError.statusCode).send(apiError.toBody(request.id));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(new StytchLikeApiError('route_not_found').toBody(request.id));
  });

  const ok = <T extends object>(request: FastifyRequest, body: T) => ({
    status_code: 200,
    request_id: request.id,
    ...body,
  });
  const authenticated = (request: FastifyRequest, result: SessionAuthentication) =>
    ok(request, {
      user_id: result.user.user_id,
      session_token: result.sessionToken,
      session_jwt: result.sessionJwt,
      session: result.session,
      user: result.user,
    });
  const attributesOf = (request: FastifyRequest) => ({
    ipAddress: request.ip,
    userAgent: typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'] : '',
  });

  app.get('/health', async (request, reply) => {
    try {
      await service.ping();
    } catch (error) {
      const apiError = toApiError(error);
      return reply.code(apiError.statusCode).send(apiError.toBody(request.id));
    }
    return ok(request, { status: 'ok' });
  });

  app.get<{ Params: { project_id: string } }>(
    '/v1/sessions/jwks/:project_id',
    { schema: { params: jwksParams } },
    async (request, reply) => {
      if (request.params.project_id !== service.projectId) throw new StytchLikeApiError('project_not_found');
      const jwks = await service.getJwks();
      void reply.header('cache-control', 'public, max-age=60');
      return ok(request, jwks);
    },
  );

  void app.register(async (scope) => {
    const addressLimits = await registerAddressLimits(scope, service.limitCounters, service.bruteForceLimits);
    // A full hashing queue refuses logins and sign-ups before their bodies are parsed or the store is read: under a
    // flood the refusals must cost the event loop as little as possible, so that session checks keep their pace.
    const refuseWhenHashingIsFull = async () => {
      if (service.passwordHashingSaturated) throw tooManyRequests('password_hashing_busy', 1000);
    };
    // Sign-up and login with their limits, shared by the backend API and the frontend-SDK API.
    const passwords: PasswordFlows = {
      signupRoute: { config: addressLimits.signupRoute, onRequest: refuseWhenHashingIsFull },
      loginRoute: { onRequest: refuseWhenHashingIsFull },
      signUp: (request, body) =>
        service.createPasswordUser({
          email: body.email,
          password: body.password,
          ...(body.session_duration_minutes === undefined
            ? {}
            : { sessionDurationMinutes: body.session_duration_minutes }),
          ...(body.session_custom_claims === undefined ? {} : { sessionCustomClaims: body.session_custom_claims }),
          ...(body.name === undefined ? {} : { name: body.name }),
          attributes: attributesOf(request),
        }),
      async logIn(request, body) {
        const refused = await addressLimits.checkLoginFailures(request);
        if (refused) throw refused;
        try {
          return await service.authenticatePassword({
            email: body.email,
            password: body.password,
            ...sessionArguments(body),
            attributes: attributesOf(request),
          });
        } catch (error) {
          if (error instanceof StytchLikeApiError && error.errorType === 'unauthorized_credentials')
            await addressLimits.countLoginFailure(request);
          throw error;
        }
      },
    };
    await scope.register(
      (sdk) => registerSdkApi(sdk, { service, passwords, allowedOrigins, sessionCookies, cookieDomain }),
      { prefix: SDK_API_PREFIX },
    );
    await scope.register((api) => backendApi(api, passwords));
  });

  // The backend API, behind the project secret (hoisted: registered above).
  async function backendApi(api: FastifyInstance, passwords: PasswordFlows): Promise<void> {
    api.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      if (!basicAuthMatches(request.headers.authorization, service.projectId, secrets)) {
        void reply.header('www-authenticate', 'Basic realm="stytch-like", charset="UTF-8"');
        throw new StytchLikeApiError('invalid_secret_authentication');
      }
    });

    const signupRoute = { schema: { body: createPasswordBody }, ...passwords.signupRoute };
    api.post<{ Body: CreatePasswordBody }>('/v1/passwords', signupRoute, async (request) => {
      const result = await passwords.signUp(request, request.body);
      return { ...authenticated(request, result), email_id: result.user.emails[0]?.email_id ?? '' };
    });

    const loginRoute = { schema: { body: authenticatePasswordBody }, ...passwords.loginRoute };
    api.post<{ Body: AuthenticatePasswordBody }>('/v1/passwords/authenticate', loginRoute, async (request) =>
      authenticated(request, await passwords.logIn(request, request.body)),
    );

    api.get<{ Querystring: { user_id: string } }>(
      '/v1/sessions',
      { schema: { querystring: listSessionsQuery } },
      async (request) => {
        return ok(request, { sessions: await service.listSessions(request.query.user_id) });
      },
    );

    api.post<{ Body: AuthenticateSessionBody }>(
      '/v1/sessions/authenticate',
      { schema: { body: authenticateSessionBody } },
      async (request) => {
        const body = request.body;
        const result = await service.authenticateSession({
          ...sessionArguments(body),
        });
        const { user_id: _userId, ...response } = authenticated(request, result);
        return response;
      },
    );

    api.post<{ Body: ResetByExistingPasswordBody }>(
      '/v1/passwords/existing_password/reset',
      { schema: { body: resetByExistingPasswordBody } },
      async (request) => {
        const body = request.body;
        const result = await service.resetPasswordByExistingPassword({
          email: body.email,
          existingPassword: body.existing_password,
          newPassword: body.new_password,
          ...(body.session_duration_minutes === undefined
            ? {}
            : { sessionDurationMinutes: body.session_duration_minutes }),
          ...(body.session_custom_claims === undefined ? {} : { sessionCustomClaims: body.session_custom_claims }),
          attributes: attributesOf(request),
        });
        return authenticated(request, result);
      },
    );

    const resetBySession = { schema: { body: resetBySessionBody } };
    api.post<{ Body: ResetBySessionBody }>('/v1/passwords/session/reset', resetBySession, async (request) => {
      const body = request.body;
      const result = await service.resetPasswordBySession({
        password: body.password,
        ...sessionArguments(body),
      });
      return authenticated(request, result);
    });

    // Stytch's path and answer; the body the official SDK sends is `{}`.
    const deleteUser = { schema: { params: userParams } };
    api.delete<{ Params: { user_id: string } }>('/v1/users/:user_id', deleteUser, async (request) => {
      await service.deleteUser(request.params.user_id);
      return ok(request, { user_id: request.params.user_id });
    });

    api.post<{ Body: RevokeSessionBody }>(
      '/v1/sessions/revoke',
      { schema: { body: revokeSessionBody } },
      async (request) => {
        const body = request.body;
        // `user_id` ends every session of the user, as `member_id` does in Stytch's B2B revoke.
        if (body.user_id !== undefined) {
          if (body.session_id !== undefined || body.session_token !== undefined || body.session_jwt !== undefined) {
            throw new StytchLikeApiError('too_many_session_arguments');
          }
          await service.revokeAllSessions(body.user_id);
          return ok(request, {});
        }
        await service.revokeSession({
          ...(body.session_id === undefined ? {} : { sessionId: body.session_id }),
          ...(body.session_token === undefined ? {} : { sessionToken: body.session_token }),
          ...(body.session_jwt === undefined ? {} : { sessionJwt: body.session_jwt }),
        });
        return ok(request, {});
      },
    );
  }

  let url: string | undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    get url() {
      return url;
    },
    get heldRefusals() {
      return refusals.held;
    },
    async listen(listenOptions = {}) {
      await app.listen({ port: listenOptions.port ?? 0, host: listenOptions.host ?? '127.0.0.1' });
      const address = app.server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `${scheme}://${host}:${address.port}`;
      return url;
    },
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
