import type { FastifyRequest } from 'fastify';
import type { SessionAuthentication } from '../service/session-service.js';

/** The body of `POST /v1/passwords` (and the fields of `POST /sdk/v1/passwords` this server reads). */
export interface CreatePasswordBody {
  email: string;
  password: string;
  session_duration_minutes?: number;
  session_custom_claims?: Record<string, unknown>;
  name?: { first_name?: string; middle_name?: string; last_name?: string };
}

/** The body of `POST /v1/passwords/authenticate` (and of its `/sdk/v1` twin, without the session fields). */
export interface AuthenticatePasswordBody {
  email: string;
  password: string;
  session_token?: string;
  session_jwt?: string;
  session_duration_minutes?: number;
  session_custom_claims?: Record<string, unknown>;
}

/**
 * Sign-up and login with the brute-force limits around them (per-address counts, the hashing queue), so that the
 * backend API and the frontend-SDK API share one implementation and one set of counters.
 */
export interface PasswordFlows {
  /** Route options of a sign-up route: the per-address sign-up limit and the hashing-queue check. */
  readonly signupRoute: { readonly config: { rateLimit: object }; readonly onRequest: () => Promise<void> };
  /** Route options of a login route: the hashing-queue check. */
  readonly loginRoute: { readonly onRequest: () => Promise<void> };
  signUp(request: FastifyRequest, body: CreatePasswordBody): Promise<SessionAuthentication>;
  /** Checks the address's failed logins first and counts a failure. */
  logIn(request: FastifyRequest, body: AuthenticatePasswordBody): Promise<SessionAuthentication>;
}
