import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStytchLikeServer, type StytchLikeServer } from '../../src/server/http/server.js';
import type { BruteForceLimits } from '../../src/server/service/brute-force-limits.js';
import type { PasswordHashingOptions } from '../../src/server/service/password-hashing.js';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import type { SessionStore } from '../../src/server/store/session-store.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { waitFor } from '../helpers/poll.js';
import { testStoreLocation, type StoreKind, type TestStoreLocation } from '../helpers/stores.js';

const PASSWORD = 'the right long password';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | null;
}

/** One server instance: its own store handle, service and HTTP server, as a process behind a load balancer has. */
interface Instance {
  readonly url: string;
  readonly service: StytchLikeSessionService;
  close(): Promise<void>;
}

const project = testProject();
const authorization = `Basic ${Buffer.from(`${project.projectId}:${project.secret}`).toString('base64')}`;

async function startInstance(
  location: TestStoreLocation,
  limits: Partial<BruteForceLimits>,
  hashing: PasswordHashingOptions = FAST_PASSWORD_HASHING,
): Promise<Instance> {
  const store: SessionStore = await location.open();
  const service = new StytchLikeSessionService({
    store,
    projectId: project.projectId,
    passwordHashing: hashing,
    bruteForce: limits,
    sweepIntervalMs: 0,
  });
  const server: StytchLikeServer = createStytchLikeServer({ service, secret: project.secret });
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    service,
    async close() {
      await server.close();
      await service.close();
      await store.close();
    },
  };
}

async function post(instance: Instance, path: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${instance.url}${path}`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    retryAfter: response.headers.get('retry-after'),
  };
}

const login = (instance: Instance, email: string, password: string) =>
  post(instance, '/v1/passwords/authenticate', { email, password });

function expectTooManyRequests(answer: Answer, reason: string, maxSeconds: number): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toMatchObject({
    status_code: 429,
    request_id: expect.any(String),
    error_type: 'too_many_requests',
    error_message: expect.any(String),
    error_url: 'https://stytch.com/docs/api/errors/429',
    error_details: { reason },
  });
  const seconds = Number(answer.retryAfter);
  expect(Number.isInteger(seconds)).toBe(true);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
}

describe.each<StoreKind>(['sqlite', 'postgres', 'redis'])(
  'brute-force limits shared by two servers on one %s store',
  (kind) => {
    const location = testStoreLocation(kind);
    let a: Instance;
    let b: Instance;

    beforeAll(async () => {
      const limits = {
        maxFailuresPerEmail: 3,
        emailWindowMs: 60_000,
        maxFailuresPerAddress: 1000,
        maxSignupsPerAddress: 1000,
      };
      a = await startInstance(location, limits);
      b = await startInstance(location, limits);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await location.cleanup();
    });

    it('locks an email after 3 failures spread over both servers; then even the right password gets 429 with Retry-After', async () => {
      const email = `victim-${randomUUID()}@example.test`;
      expect((await post(a, '/v1/passwords', { email, password: PASSWORD })).status).toBe(200);
      for (const [index, server] of [a, b, a].entries()) {
        const answer = await login(server, email, `guess number ${index}`);
        expect(answer.status).toBe(401);
      }
      for (const server of [b, a]) expectTooManyRequests(await login(server, email, PASSWORD), 'email_locked', 60);
      // Another email is not affected.
      const other = `bystander-${randomUUID()}@example.test`;
      expect((await post(b, '/v1/passwords', { email: other, password: PASSWORD })).status).toBe(200);
      expect((await login(a, other, PASSWORD)).status).toBe(200);
    });

    it('locks an unknown email exactly as a known one, so a lockout does not tell which emails exist', async () => {
      const email = `nobody-${randomUUID()}@example.test`;
      const answers = [];
      for (const server of [a, b, a, b]) answers.push(await login(server, email, 'any guess at all'));
      expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 429]);
      expectTooManyRequests(answers[3]!, 'email_locked', 60);
    });

    it('forgets the failures of an email after a successful login', async () => {
      const email = `owner-${randomUUID()}@example.test`;
      expect((await post(a, '/v1/passwords', { email, password: PASSWORD })).status).toBe(200);
      for (const server of [a, b]) expect((await login(server, email, 'a typo in it')).status).toBe(401);
      expect((await login(b, email, PASSWORD)).status).toBe(200);
      for (const server of [a, b]) expect((await login(server, email, 'a typo in it')).status).toBe(401);
      expect((await login(a, email, PASSWORD)).status).toBe(200);
    });
  },
);

describe('per-address limits through @fastify/rate-limit over the shared store (SQLite)', () => {
  const location = testStoreLocation('sqlite');
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    const limits = {
      maxFailuresPerEmail: 1000,
      maxFailuresPerAddress: 4,
      addressWindowMs: 60_000,
      maxSignupsPerAddress: 3,
      signupWindowMs: 60_000,
    };
    a = await startInstance(location, limits);
    b = await startInstance(location, limits);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await location.cleanup();
  });

  it('counts sign-ups from one address on both servers and refuses the fourth with 429 and Retry-After', async () => {
    const answers = [];
    for (const server of [a, b, a, b])
      answers.push(
        await post(server, '/v1/passwords', { email: `new-${randomUUID()}@example.test`, password: PASSWORD }),
      );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
    expectTooManyRequests(answers[3]!, 'signup_limit', 60);
  });

  it('locks an address after 4 failed logins for different emails on both servers, right password or not', async () => {
    for (const server of [a, b, a, b])
      expect((await login(server, `sprayed-${randomUUID()}@example.test`, 'Winter2026!')).status).toBe(401);
    expectTooManyRequests(await login(a, `sprayed-${randomUUID()}@example.test`, 'Winter2026!'), 'address_locked', 60);
    expectTooManyRequests(await login(b, `sprayed-${randomUUID()}@example.test`, PASSWORD), 'address_locked', 60);
  });
});

describe('a lockout ends with its window (memory store)', () => {
  const location = testStoreLocation('memory');
  let a: Instance;
  beforeAll(async () => {
    a = await startInstance(location, { maxFailuresPerEmail: 2, emailWindowMs: 1500 });
  });
  afterAll(() => a?.close());

  it('answers 429 until the window ends, then lets the owner in', async () => {
    const email = `patient-${randomUUID()}@example.test`;
    expect((await post(a, '/v1/passwords', { email, password: PASSWORD })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login(a, email, 'wrong wrong wrong')).status).toBe(401);
    expectTooManyRequests(await login(a, email, PASSWORD), 'email_locked', 2);
    await waitFor(async () => (await login(a, email, PASSWORD)).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'the lockout to end',
    });
  });
});

describe('the bounded password-hashing queue under a flood', () => {
  const location = testStoreLocation('memory');
  let a: Instance;
  beforeAll(async () => {
    a = await startInstance(
      location,
      { maxFailuresPerEmail: 1000, maxFailuresPerAddress: 100_000 },
      { cost: 2 ** 15, concurrency: 1, maxQueued: 2 },
    );
  });
  afterAll(() => a?.close());

  it('answers a flood of 24 wrong-password logins with 401 or 429, and session checks keep answering', async () => {
    const email = `user-${randomUUID()}@example.test`;
    const created = await post(a, '/v1/passwords', { email, password: PASSWORD });
    expect(created.status).toBe(200);
    const flood = Promise.all(
      Array.from({ length: 24 }, (_, i) => login(a, `flood-${i}-${randomUUID()}@example.test`, 'not the password')),
    );
    // While the flood is queued, the session token still checks (signing and verification stay off the queue).
    const check = await post(a, '/v1/sessions/authenticate', { session_token: created.body['session_token'] });
    expect(check.status).toBe(200);
    const answers = await flood;
    const busy = answers.filter((answer) => answer.status === 429);
    expect(answers.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true);
    // At most one running and two waiting at any time: most of 24 simultaneous requests are refused.
    expect(busy.length).toBeGreaterThan(0);
    for (const answer of busy) expectTooManyRequests(answer, 'password_hashing_busy', 1);
  });
});

describe('refusals held for their delay, so a flood that ignores Retry-After is slowed', () => {
  const location = testStoreLocation('memory');
  const DELAY_MS = 300;

  async function pacedInstance(maxHeldRefusals: number, refusalDelayMs = DELAY_MS) {
    const store = await location.open();
    // Hashing never finishes during the test: one slow hash running, none queued, so every other login is refused.
    const service = new StytchLikeSessionService({
      store,
      projectId: project.projectId,
      passwordHashing: { cost: 2 ** 17, parallelization: 1, concurrency: 1, maxQueued: 0 },
      bruteForce: { maxFailuresPerEmail: 1000, maxFailuresPerAddress: 100_000 },
      sweepIntervalMs: 0,
    });
    const server = createStytchLikeServer({
      service,
      secret: project.secret,
      refusalDelayMs,
      maxHeldRefusals,
    });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    return { url, service, server, store };
  }

  it('answers 8 clients that resend the moment they are refused at most once per delay each', async () => {
    const { url, service, server, store } = await pacedInstance(1024);
    const instance = { url, service, close: () => Promise.resolve() };
    try {
      // Occupy the only hashing slot.
      const occupying = login(instance, `busy-${randomUUID()}@example.test`, 'not the password');
      await waitFor(() => service.passwordHashingSaturated, { timeoutMs: 10_000, what: 'hashing to be saturated' });
      const started = performance.now();
      const deadline = started + 1200;
      const statuses: number[] = [];
      const held: number[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (performance.now() < deadline) {
            const sent = performance.now();
            const answer = await login(instance, `flood-${randomUUID()}@example.test`, 'not the password');
            statuses.push(answer.status);
            held.push(performance.now() - sent);
            if (answer.status === 429) expectTooManyRequests(answer, 'password_hashing_busy', 1);
          }
        }),
      );
      const elapsed = performance.now() - started;
      // 401 once the occupying hash is done and a flood login gets the slot; everything else is refused.
      expect(statuses.every((status) => status === 429 || status === 401)).toBe(true);
      const refused = held.filter((_, i) => statuses[i] === 429);
      expect(refused.length).toBeGreaterThan(0);
      // Each client gets at most one refusal per delay: without the delay these clients get thousands.
      expect(refused.length).toBeLessThanOrEqual(8 * Math.ceil(elapsed / DELAY_MS));
      expect(Math.min(...refused)).toBeGreaterThanOrEqual(DELAY_MS - 20);
      await occupying;
    } finally {
      await server.close();
      await service.close();
      await store.close();
    }
  });

  it('answers at once past maxHeldRefusals, and close() sends held refusals without waiting out the delay', async () => {
    // A delay far longer than anything else here, so "at once" and "before the delay" cannot be confused under load.
    const LONG_DELAY_MS = 30_000;
    const { url, service, server, store } = await pacedInstance(2, LONG_DELAY_MS);
    const instance = { url, service, close: () => Promise.resolve() };
    let closed = false;
    try {
      const occupying = login(instance, `busy-${randomUUID()}@example.test`, 'not the password');
      await waitFor(() => service.passwordHashingSaturated, { timeoutMs: 10_000, what: 'hashing to be saturated' });
      // Two refusals are held; the third is answered while they still wait.
      let heldAnswered = false;
      const heldAnswers = Promise.all(
        [1, 2].map(() => login(instance, `f-${randomUUID()}@example.test`, 'not the password')),
      ).finally(() => {
        heldAnswered = true;
      });
      await waitFor(() => server.heldRefusals === 2, { timeoutMs: 10_000, what: 'two refusals to be held' });
      const third = await login(instance, `f-${randomUUID()}@example.test`, 'not the password');
      expect(third.status).toBe(429);
      expect(heldAnswered).toBe(false);
      expect(server.heldRefusals).toBe(2);
      // Closing sends the held ones now, long before their delay.
      const closeStarted = performance.now();
      const closing = server.close();
      const answers = await heldAnswers;
      expect(answers.map((answer) => answer.status)).toEqual([429, 429]);
      await occupying.catch(() => undefined);
      await closing;
      closed = true;
      expect(performance.now() - closeStarted).toBeLessThan(LONG_DELAY_MS / 2);
      expect(server.heldRefusals).toBe(0);
    } finally {
      if (!closed) await server.close();
      await service.close();
      await store.close();
    }
  }, 60_000);

  it('refuses a negative or fractional delay, or a negative cap, with a RangeError', async () => {
    const store = await location.open();
    const service = new StytchLikeSessionService({ store, projectId: project.projectId, sweepIntervalMs: 0 });
    try {
      for (const bad of [{ refusalDelayMs: -1 }, { refusalDelayMs: 0.5 }, { maxHeldRefusals: -1 }]) {
        expect(() => createStytchLikeServer({ service, secret: project.secret, ...bad })).toThrow(RangeError);
      }
    } finally {
      await service.close();
      await store.close();
    }
  });
});
