import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StytchLikeApiError } from '../../model/api-error.js';
import type { SessionAuthentication, StytchLikeSessionService } from '../service/session-service.js';
import { parseBasicAuth } from './basic-auth.js';
import type { PasswordFlows } from './password-flows.js';
import {
  sdkAuthenticatePasswordBody,
  sdkAuthenticateSessionBody,
  sdkBootstrapParams,
  sdkCreatePasswordBody,
} from './schemas.js';
import { SDK_REQUEST_HEADERS, type SessionCookieMode } from './sdk-origins.js';

/** Where the frontend-SDK API lives: the official SDK calls `<base>/sdk/v1<path>`. */
export const SDK_API_PREFIX = '/sdk/v1';

/** The session cookies' names: the official SDK's defaults, so that its cookies and the server's agree. */
export const SESSION_COOKIE = 'stytch_session';
export const SESSION_JWT_COOKIE = 'stytch_session_jwt';

/** Errors that say the presented session is over or was never good; the HttpOnly cookies are cleared with them. */
const SESSION_REFUSED_ERRORS = new Set([
  'session_not_found',
  'unauthorized_credentials',
  'invalid_session_token',
  'invalid_session_jwt',
  'unable_to_parse_session_jwt',
]);
/** The refusals after which the official SDK drops its session; it retries any other error for ever. */
const SDK_SESSION_DROPPED_ERRORS = new Set(['session_not_found', 'unauthorized_credentials']);

interface SdkApiOptions {
  readonly service: StytchLikeSessionService;
  readonly passwords: PasswordFlows;
  readonly allowedOrigins: ReadonlySet<string>;
  readonly sessionCookies: SessionCookieMode;
  readonly cookieDomain: string | undefined;
}

interface SdkPasswordBody {
  email: string;
  password: string;
  session_duration_minutes?: number;
}

/** The session a frontend-SDK request presents: its token (Basic password or cookie), or a JWT cookie. */
interface PresentedSession {
  readonly sessionToken?: string;
  readonly sessionJwt?: string;
  /** It came from the cookies (which are cleared when the session is refused or revoked). */
  readonly fromCookie: boolean;
}

/**
 * The frontend-SDK API, registered under {@link SDK_API_PREFIX}: what the unmodified `@stytch/vanilla-js` calls.
 * Every answer is `{ "data": … }` (errors keep the backend API's shape). Requests authenticate with
 * `Authorization: Basic base64(public_token:X)`, X being the session token or the public token again, or with the
 * session cookie. Pages on an authorized origin get credentialed CORS; any other origin gets 403 and no CORS headers.
 */
export async function registerSdkApi(sdk: FastifyInstance, options: SdkApiOptions): Promise<void> {
  const { service, passwords, allowedOrigins } = options;
  const httpOnly = options.sessionCookies === 'httponly';
  await sdk.register(fastifyCookie);

  // The SDK sends `Content-Type: application/json` on every call, with no body on some (revoke): read none as `{}`.
  const parseJson = sdk.getDefaultJsonParser('error', 'error');
  sdk.removeContentTypeParser('application/json');
  sdk.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') done(null, {});
    else void parseJson(request, text, done);
  });

  sdk.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    // No Origin: not a page in a browser (a server, a script), which CORS does not concern.
    if (origin === undefined) return;
    if (!allowedOrigins.has(origin)) throw new StytchLikeApiError('origin_not_allowed');
    void reply.header('access-control-allow-origin', origin);
    void reply.header('access-control-allow-credentials', 'true');
  });

  sdk.options('/*', async (_request, reply) => {
    void reply.header('access-control-allow-methods', 'GET, POST');
    void reply.header('access-control-allow-headers', SDK_REQUEST_HEADERS.join(', '));
    void reply.header('access-control-max-age', '600');
    return reply.code(204).send();
  });

  const requirePublicToken = async (request: FastifyRequest): Promise<{ password: string; publicToken: string }> => {
    const credentials = parseBasicAuth(request.headers.authorization);
    const publicToken = await service.publicToken();
    if (!credentials || credentials.user !== publicToken) throw new StytchLikeApiError('invalid_public_token');
    return { password: credentials.password, publicToken };
  };

  /** True when the request's session is the cookies' (no session token in the Basic password). */
  const presentsCookieSession = (request: FastifyRequest): boolean => {
    const credentials = parseBasicAuth(request.headers.authorization);
    return !credentials || credentials.password === '' || credentials.password === credentials.user;
  };

  const presentedSession = async (request: FastifyRequest): Promise<PresentedSession> => {
    const { password, publicToken } = await requirePublicToken(request);
    if (password !== '' && password !== publicToken) return { sessionToken: password, fromCookie: false };
    const cookieToken = request.cookies[SESSION_COOKIE];
    if (cookieToken) return { sessionToken: cookieToken, fromCookie: true };
    const cookieJwt = request.cookies[SESSION_JWT_COOKIE];
    if (cookieJwt) return { sessionJwt: cookieJwt, fromCookie: true };
    throw new StytchLikeApiError('session_not_found', { message: 'The request presents no session.' });
  };

  const cookieOptions = (expires: Date) => ({
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'lax' as const,
    expires,
    ...(options.cookieDomain === undefined ? {} : { domain: options.cookieDomain }),
  });
  const clearSessionCookies = (reply: FastifyReply) => {
    if (!httpOnly) return;
    const { expires: _expires, ...clear } = cookieOptions(new Date(0));
    void reply.clearCookie(SESSION_COOKIE, clear);
    void reply.clearCookie(SESSION_JWT_COOKIE, clear);
  };

  /** `{ data }` of a session answer; in HttpOnly mode the tokens go into cookies instead of the body. */
  const sessionAnswer = (request: FastifyRequest, reply: FastifyReply, result: SessionAuthentication) => {
    const data: Record<string, unknown> = {
      request_id: request.id,
      status_code: 200,
      user_id: result.user.user_id,
      user: result.user,
      session: result.session,
    };
    if (httpOnly) {
      // Cookie expiry has whole seconds: rounded up, so that the cookie never goes before its session does.
      const expires = new Date(Math.ceil(Date.parse(result.session.expires_at) / 1000) * 1000);
      // A session authenticated by its JWT cookie has no token to give back; the token cookie stays as it is.
      if (result.sessionToken !== '') void reply.setCookie(SESSION_COOKIE, result.sessionToken, cookieOptions(expires));
      void reply.setCookie(SESSION_JWT_COOKIE, result.sessionJwt, cookieOptions(expires));
      // Empty, as Stytch answers with HttpOnly cookies: the SDK then treats the session as cookie-managed.
      data['session_token'] = '';
      data['session_jwt'] = '';
    } else {
      data['session_token'] = result.sessionToken;
      data['session_jwt'] = result.sessionJwt;
    }
    return { data };
  };

  /**
   * Runs a session operation. When it refuses a session the cookies presented, they are cleared with the error (a
   * refused token from the Basic password leaves them alone: a failed reattach changes nothing); a malformed or
   * forged token or JWT is answered as `unauthorized_credentials`, which makes the SDK drop it.
   */
  const withSession = async <T>(
    request: FastifyRequest,
    reply: FastifyReply,
    operation: () => Promise<T>,
  ): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof StytchLikeApiError) || !SESSION_REFUSED_ERRORS.has(error.errorType)) throw error;
      if (presentsCookieSession(request)) clearSessionCookies(reply);
      if (SDK_SESSION_DROPPED_ERRORS.has(error.errorType)) throw error;
      throw new StytchLikeApiError('unauthorized_credentials', {
        message: 'The session token or JWT is not valid.',
        ...(error.details ? { details: error.details } : {}),
        cause: error,
      });
    }
  };

  sdk.get<{ Params: { public_token: string } }>(
    '/projects/bootstrap/:public_token',
    { schema: { params: sdkBootstrapParams } },
    async (request) => {
      if (request.params.public_token !== (await service.publicToken()))
        throw new StytchLikeApiError('invalid_public_token');
      // Features this server does not have are off, so the SDK loads nothing from Stytch's captcha, fraud-detection
      // or telemetry hosts; `captcha_settings` must be present or the SDK's password calls fail in the page.
      return {
        data: {
          request_id: request.id,
          status_code: 200,
          project_name: service.projectId,
          email_domains: [],
          captcha_settings: { enabled: false },
          password_config: null,
          dfp_protected_auth_enabled: false,
          disable_sdk_watermark: true,
        },
      };
    },
  );

  // The SDK's telemetry: accepted and dropped (it ignores the answer; a 2xx keeps it from retrying).
  sdk.post('/events', async (request) => ({ data: { request_id: request.id, status_code: 200 } }));

  const signupRoute = { schema: { body: sdkCreatePasswordBody }, ...passwords.signupRoute };
  sdk.post<{ Body: SdkPasswordBody }>('/passwords', signupRoute, async (request, reply) => {
    await requirePublicToken(request);
    const { email, password, session_duration_minutes } = request.body;
    const result = await passwords.signUp(request, {
      email,
      password,
      ...(session_duration_minutes === undefined ? {} : { session_duration_minutes }),
    });
    return sessionAnswer(request, reply, result);
  });

  const loginRoute = { schema: { body: sdkAuthenticatePasswordBody }, ...passwords.loginRoute };
  sdk.post<{ Body: SdkPasswordBody }>('/passwords/authenticate', loginRoute, async (request, reply) => {
    await requirePublicToken(request);
    const { email, password, session_duration_minutes } = request.body;
    // A login starts a new session; a session the page still presents is not carried over.
    const result = await passwords.logIn(request, {
      email,
      password,
      ...(session_duration_minutes === undefined ? {} : { session_duration_minutes }),
    });
    return sessionAnswer(request, reply, result);
  });

  // `session_jwt` is this server's addition (the official SDK never sends it): a client reattaching with a token and
  // its JWT has the pair checked before any cookie is set, so a mismatched pair changes nothing.
  sdk.post<{ Body: { session_duration_minutes?: number; session_jwt?: string } }>(
    '/sessions/authenticate',
    { schema: { body: sdkAuthenticateSessionBody } },
    async (request, reply) =>
      withSession(request, reply, async () => {
        const { fromCookie: _fromCookie, ...presented } = await presentedSession(request);
        const { session_duration_minutes: minutes, session_jwt: jwt } = request.body;
        const jwtSession = jwt === undefined ? undefined : await service.verifySessionJwt(jwt, { allowExpired: true });
        const result = await service.authenticateSession({
          ...presented,
          ...(minutes === undefined ? {} : { sessionDurationMinutes: minutes }),
        });
        if (
          jwtSession &&
          (jwtSession.session.id !== result.session.session_id || jwtSession.userId !== result.user.user_id)
        ) {
          throw new StytchLikeApiError('invalid_session_jwt', {
            message: 'session_jwt belongs to another session than the session token.',
          });
        }
        return sessionAnswer(request, reply, result);
      }),
  );

  sdk.post('/sessions/revoke', async (request, reply) => {
    const { fromCookie, ...presented } = await withSession(request, reply, async () => {
      const session = await presentedSession(request);
      await service.revokeSession(session);
      return session;
    });
    // The cookies go with their session; a token revoked from the Basic password leaves another cookie session be.
    if (fromCookie || request.cookies[SESSION_COOKIE] === presented.sessionToken) clearSessionCookies(reply);
    return { data: { request_id: request.id, status_code: 200 } };
  });

  sdk.get('/users/me', async (request, reply) =>
    withSession(request, reply, async () => {
      const { fromCookie: _fromCookie, ...presented } = await presentedSession(request);
      const result = await service.authenticateSession(presented);
      return { data: { request_id: request.id, status_code: 200, ...result.user } };
    }),
  );
}
