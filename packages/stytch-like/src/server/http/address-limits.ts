import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit, { normalizeIP, type FastifyRateLimitStore } from '@fastify/rate-limit';
import { tooManyRequests } from '../service/brute-force-limits.js';
import type { LimitCounters } from '../service/session-service.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A `@fastify/rate-limit` store over the session store's counters, so that every server sharing the store counts
 * a client address together (the plugin's own stores are per process, or need ioredis).
 */
function counterStore(
  counters: LimitCounters,
): new () => FastifyRateLimitStore & { read(key: string, callback: Callback, timeWindow: number): void } {
  return class SessionStoreRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      counters.increment(`address:${key}`, timeWindow).then(
        (state) => callback(null, { current: state.count, ttl: Math.max(0, state.resetAt.getTime() - Date.now()) }),
        (error: Error) => callback(error),
      );
    }

    read(key: string, callback: Callback): void {
      counters.read(`address:${key}`).then(
        (state) =>
          callback(
            null,
            state
              ? { current: state.count, ttl: Math.max(0, state.resetAt.getTime() - Date.now()) }
              : { current: 0, ttl: 0 },
          ),
        (error: Error) => callback(error),
      );
    }

    child(): FastifyRateLimitStore {
      return this;
    }
  };
}

/** The client address a limit counts, IPv6 grouped by /64 (one host usually holds a whole /64). */
function addressOf(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}

/** Per-address limits of one server, counted in the store. */
export interface AddressLimits {
  /** Route options for `POST /v1/passwords`: counts every sign-up request, refuses past the limit. */
  readonly signupRoute: { rateLimit: object };
  /** Refuses (with a 429 to throw) when the address has used up its failed logins; `null` when it may try. */
  checkLoginFailures(request: FastifyRequest): Promise<Error | null>;
  /** Counts one failed login of the request's address. */
  countLoginFailure(request: FastifyRequest): Promise<void>;
}

/** Registers `@fastify/rate-limit` (no global limit) over `counters` and returns the limits the routes use. */
export async function registerAddressLimits(
  app: FastifyInstance,
  counters: LimitCounters,
  limits: {
    maxFailuresPerAddress: number;
    addressWindowMs: number;
    maxSignupsPerAddress: number;
    signupWindowMs: number;
  },
): Promise<AddressLimits> {
  await app.register(rateLimit, {
    global: false,
    store: counterStore(counters),
    // Only a refusal carries headers; ordinary answers do not advertise the limits.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
    errorResponseBuilder: (_request, context) => tooManyRequests('signup_limit', context.ttl),
  });
  const loginFailures = app.createRateLimit({
    max: limits.maxFailuresPerAddress,
    timeWindow: limits.addressWindowMs,
    keyGenerator: (request) => `login-failures:${addressOf(request)}`,
  });
  return {
    signupRoute: {
      rateLimit: {
        max: limits.maxSignupsPerAddress,
        timeWindow: limits.signupWindowMs,
        keyGenerator: (request: FastifyRequest) => `signups:${addressOf(request)}`,
      },
    },
    async checkLoginFailures(request) {
      const state = await loginFailures(request, { increment: false });
      if (state.isAllowed || state.remaining > 0) return null;
      return tooManyRequests('address_locked', state.ttl);
    },
    async countLoginFailure(request) {
      await loginFailures(request);
    },
  };
}
