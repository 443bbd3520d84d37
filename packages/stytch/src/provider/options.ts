import { SessionTokenError } from '@sessiontoken/core';
import { envs } from 'stytch';
import { ADAPTER_NAME } from '../adapter-name.js';

/** Where the provider finds Stytch, who it is there, and how patient it is. */
export interface StytchSessionProviderOptions {
  /** The Stytch project id (`project-test-…` or `project-live-…`). */
  readonly projectId: string;
  /** The project's secret (HTTP Basic password of the backend API). Never logged, never in an error. */
  readonly secret: string;
  /** `'test'` or `'live'` for Stytch's hosted environments. Default: chosen from `projectId` as the SDK does. */
  readonly env?: 'test' | 'live';
  /** Another API origin (a custom domain, a proxy, a Stytch-compatible server). HTTPS, or HTTP on a loopback host. */
  readonly baseUrl?: string;
  /** Length of sessions started by `open()` in minutes (5..527040). Default 60, as Stytch. */
  readonly sessionDurationMinutes?: number;
  /** Time limit for connecting, and for each phase of an answer (headers, body), in milliseconds. Default 10000. */
  readonly timeoutMs?: number;
}

/** Credentials of `open()`: a Stytch user's email and password (`passwords.authenticate`). */
export interface StytchCredentials {
  readonly email: string;
  readonly password: string;
}

/** Per-`open()` options. */
export interface StytchOpenOptions {
  /** Length of the new session in minutes (5..527040). Default: the provider's `sessionDurationMinutes`. */
  readonly sessionDurationMinutes?: number;
  /** Custom claims to put on the new session (and in its JWTs). */
  readonly sessionCustomClaims?: Record<string, unknown>;
}

/** Stytch's bounds on `session_duration_minutes`. */
export const MIN_SESSION_DURATION_MINUTES = 5;
export const MAX_SESSION_DURATION_MINUTES = 527_040;

export interface ResolvedOptions {
  readonly projectId: string;
  readonly secret: string;
  /** The SDK's `env` (a hosted environment or an HTTP loopback origin) or its `custom_base_url` (HTTPS). */
  readonly endpoint: { readonly env: string } | { readonly customBaseUrl: string } | null;
  readonly sessionDurationMinutes: number;
  readonly timeoutMs: number;
}

function invalid(message: string): SessionTokenError {
  return new SessionTokenError('INVALID_ARGUMENT', message, { adapter: ADAPTER_NAME });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function checkSessionDuration(value: unknown, name: string): number {
  if (
    !Number.isInteger(value) ||
    (value as number) < MIN_SESSION_DURATION_MINUTES ||
    (value as number) > MAX_SESSION_DURATION_MINUTES
  ) {
    throw invalid(`${name} must be an integer from ${MIN_SESSION_DURATION_MINUTES} to ${MAX_SESSION_DURATION_MINUTES}`);
  }
  return value as number;
}

function resolveEndpoint(env: unknown, baseUrl: unknown): ResolvedOptions['endpoint'] {
  if (env !== undefined && baseUrl !== undefined) throw invalid('give env or baseUrl, not both');
  if (env !== undefined) {
    if (env !== 'test' && env !== 'live')
      throw invalid("env must be 'test' or 'live' (use baseUrl for another origin)");
    return { env: env === 'live' ? envs.live : envs.test };
  }
  if (baseUrl === undefined) return null;
  if (typeof baseUrl !== 'string') throw invalid('baseUrl must be a URL string');
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw invalid('baseUrl is not a valid URL');
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw invalid('baseUrl must be an origin (scheme, host, port) with no path, query or credentials');
  }
  if (url.protocol === 'https:') return { customBaseUrl: url.origin + '/' };
  // The project secret travels in every request: plain HTTP only where it cannot leave the machine.
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return { env: url.origin + '/' };
  throw invalid('baseUrl must use https (http only for a loopback host)');
}

/** Validates options at construction, so a misconfigured provider fails before it touches the network. */
export function resolveOptions(options: StytchSessionProviderOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  if (typeof options.projectId !== 'string' || !/^[A-Za-z0-9_-]{1,200}$/.test(options.projectId)) {
    throw invalid('projectId must be a Stytch project id (letters, digits, - and _)');
  }
  if (typeof options.secret !== 'string' || options.secret.length === 0 || options.secret.length > 1024) {
    throw invalid('secret must be a non-empty string');
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 600_000)
    throw invalid('timeoutMs must be an integer from 1 to 600000');
  return {
    projectId: options.projectId,
    secret: options.secret,
    endpoint: resolveEndpoint(options.env, options.baseUrl),
    sessionDurationMinutes: checkSessionDuration(options.sessionDurationMinutes ?? 60, 'sessionDurationMinutes'),
    timeoutMs,
  };
}
