// Every flow of the package, successful and failing, over every store, with every issued session token and JWT
// collected: none may appear in any error (message, cause chain, String(), JSON, inspect) or in any line the HTTP
// server logs. Each store is also broken in its own ways in the middle of calls (a dropped connection, a database
// that refuses the write), since a driver's error may quote the data it was handling.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DatabaseSync } from 'node:sqlite';
import { inspect } from 'node:util';
import type { SessionTokenProvider } from '@sessiontoken/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StytchLikeSessionProvider } from '../../src/provider/http-provider.js';
import { EmbeddedStytchLikeSessionProvider } from '../../src/server/provider/embedded-provider.js';
import { hashTokenSecret, parseSessionToken } from '../../src/server/service/session-token.js';
import { MemorySessionStore } from '../../src/server/store/memory.js';
import { PostgresSessionStore } from '../../src/server/store/postgres.js';
import { RedisSessionStore } from '../../src/server/store/redis.js';
import type { SessionStore } from '../../src/server/store/session-store.js';
import { SqliteSessionStore } from '../../src/server/store/sqlite.js';
import { ManualClock } from '../helpers/clock.js';
import { POSTGRES_URL, REDIS_URL } from '../helpers/config.js';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { waitFor } from '../helpers/poll.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';
import { testStoreLocation, withPostgres, withRedis, type StoreKind } from '../helpers/stores.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const PASSWORD = 'a long and unguessable password';

/** A way to make the store fail in the middle of calls, until `disarm`. */
interface StoreFailure {
  readonly name: string;
  /** Breaks the store; `sessionId` is a live session the flows go on to use. */
  arm(sessionId: string): Promise<void>;
  disarm(): Promise<void>;
}

/** A store for the test server, reached the way its failures need (through a proxy, with a short busy timeout). */
interface StoreUnderTest {
  readonly store: SessionStore;
  readonly failures: readonly StoreFailure[];
  cleanup(): Promise<void>;
}

async function openStoreUnderTest(kind: StoreKind): Promise<StoreUnderTest> {
  const location = testStoreLocation(kind);
  switch (kind) {
    case 'memory':
      return { store: new MemorySessionStore(), failures: [], cleanup: () => location.cleanup() };
    case 'sqlite': {
      const path = location.url.slice('sqlite:'.length);
      const store = await SqliteSessionStore.open({ path, busyTimeoutMs: 50 });
      let blocker: DatabaseSync | undefined;
      const onSide = (sql: string) => {
        const db = new DatabaseSync(path);
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      };
      return {
        store,
        failures: [
          {
            name: 'another process holds the write lock',
            arm: async () => {
              blocker = new DatabaseSync(path);
              blocker.exec('BEGIN IMMEDIATE');
            },
            disarm: async () => {
              blocker?.exec('ROLLBACK');
              blocker?.close();
            },
          },
          {
            // A session check in the second already recorded writes nothing, and passes: deletes are refused too.
            name: 'a trigger refuses every session write',
            arm: async () =>
              onSide(`CREATE TRIGGER refuse_insert BEFORE INSERT ON sessions BEGIN SELECT RAISE(ABORT, 'refused'); END;
                      CREATE TRIGGER refuse_update BEFORE UPDATE ON sessions BEGIN SELECT RAISE(ABORT, 'refused'); END;
                      CREATE TRIGGER refuse_delete BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'refused'); END;`),
            disarm: async () =>
              onSide('DROP TRIGGER refuse_insert; DROP TRIGGER refuse_update; DROP TRIGGER refuse_delete;'),
          },
        ],
        cleanup: async () => {
          await store.close();
          await location.cleanup();
        },
      };
    }
    case 'postgres': {
      const schema = new URL(location.url).searchParams.get('schema')!;
      const proxy = await startTcpProxy(POSTGRES_URL);
      const store = await PostgresSessionStore.open({ connectionString: proxy.url, schema });
      return {
        store,
        failures: [
          {
            name: 'the connection drops in the middle of every sessions query',
            arm: async () => {
              proxy.cutWhen(`"${schema}".sessions`);
              // Statements are prepared once per connection: new connections send their text again.
              proxy.resetAll();
            },
            disarm: async () => proxy.cutWhen(null),
          },
          {
            // PostgreSQL's answer quotes the whole failing row ("Failing row contains (…)") in its detail. A session
            // check in the second already recorded writes nothing, and passes: deletes are refused by a trigger.
            name: 'a check constraint refuses every session write',
            arm: () =>
              withPostgres((client) =>
                client.query(
                  `ALTER TABLE "${schema}".sessions ADD CONSTRAINT refuse_writes CHECK (false) NOT VALID;
                   CREATE FUNCTION "${schema}".refuse_delete() RETURNS trigger LANGUAGE plpgsql
                     AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
                   CREATE TRIGGER refuse_delete BEFORE DELETE ON "${schema}".sessions
                     FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_delete();`,
                ),
              ).then(() => {}),
            disarm: () =>
              withPostgres((client) =>
                client.query(
                  `ALTER TABLE "${schema}".sessions DROP CONSTRAINT refuse_writes;
                   DROP TRIGGER refuse_delete ON "${schema}".sessions;
                   DROP FUNCTION "${schema}".refuse_delete();`,
                ),
              ).then(() => {}),
          },
        ],
        cleanup: async () => {
          await store.close();
          await proxy.close();
          await location.cleanup();
        },
      };
    }
    case 'redis': {
      const keyPrefix = new URL(location.url).searchParams.get('prefix')!;
      const proxy = await startTcpProxy(REDIS_URL);
      const store = await RedisSessionStore.open({ url: proxy.url, keyPrefix });
      let corrupted: string | undefined;
      return {
        store,
        failures: [
          {
            name: 'the connection drops in the middle of every session command',
            arm: async () => proxy.cutWhen(`${keyPrefix}session`),
            disarm: async () => {
              proxy.cutWhen(null);
              // The client reconnects by itself.
              await waitFor(() => store.ping().then(() => true), { what: 'the Redis store to reconnect' });
            },
          },
          {
            name: 'a session key holds another type (Redis answers WRONGTYPE)',
            arm: async (sessionId) => {
              corrupted = `${keyPrefix}session:${sessionId}`;
              await withRedis(async (client) => {
                await client.del(corrupted!);
                await client.hSet(corrupted!, 'not', 'a session');
              });
            },
            disarm: () => withRedis((client) => client.del(corrupted!)).then(() => {}),
          },
        ],
        cleanup: async () => {
          await store.close();
          await proxy.close();
          await location.cleanup();
        },
      };
    }
  }
}

describe.each(['memory', 'sqlite', 'postgres', 'redis'] as const)(
  'no token value in errors or logs: %s store',
  (kind) => {
    let server: TestServer;
    let storeUnderTest: StoreUnderTest;
    const logLines: string[] = [];
    const secrets = new Set<string>();
    const errors: unknown[] = [];
    const closers: (() => Promise<unknown> | void)[] = [];

    /**
     * Remembers a token or JWT, and the parts that must not leak either: a JWT's signature; a session token's id and
     * secret halves, and the SHA-256 of the secret (what the store keeps of it).
     */
    const keep = (value: string | null | undefined) => {
      if (!value) return;
      secrets.add(value);
      const parts = value.split('.');
      if (parts.length === 3 && parts[2]) secrets.add(parts[2]);
      const token = parseSessionToken(value);
      if (token) {
        secrets.add(token.tokenId);
        secrets.add(token.secret);
        secrets.add(hashTokenSecret(token.secret));
      }
    };
    const keepTokens = (provider: SessionTokenProvider) => {
      const tokens = provider.getTokens();
      keep(tokens?.sessionToken);
      keep(tokens?.sessionJwt);
    };
    /** Runs an operation that must fail and keeps its error. */
    const failing = async (operation: () => Promise<unknown>) => {
      const error = await operation().then(
        () => new Error('expected a rejection'),
        (e: unknown) => e,
      );
      // Typed: a SessionTokenError's `code`, or the service's StytchLikeApiError `errorType`.
      expect((error as { code?: unknown }).code ?? (error as { errorType?: unknown }).errorType).toEqual(
        expect.any(String),
      );
      errors.push(error);
    };
    const newUser = async () => {
      const email = `u-${randomUUID()}@example.test`;
      const created = await server.service.createPasswordUser({ email, password: PASSWORD });
      keep(created.sessionToken);
      keep(created.sessionJwt);
      return email;
    };

    /** Runs an operation that may fail under a broken store: keeps its error, or the tokens it issued. */
    const attempt = async (operation: () => Promise<unknown>, provider?: SessionTokenProvider) => {
      const error = await operation().then(
        () => null,
        (e: unknown) => e,
      );
      if (error === null) {
        if (provider) keepTokens(provider);
        return 0;
      }
      expect((error as { code?: unknown }).code).toEqual(expect.any(String));
      errors.push(error);
      return 1;
    };
    const httpProvider = () => {
      const provider = new StytchLikeSessionProvider({
        baseUrl: server.url,
        projectId: server.projectId,
        secret: server.secret,
      });
      closers.push(() => provider.close());
      return provider;
    };
    const embeddedProvider = () => {
      const provider = new EmbeddedStytchLikeSessionProvider({ service: server.service });
      closers.push(() => provider.close());
      return provider;
    };

    beforeAll(async () => {
      storeUnderTest = await openStoreUnderTest(kind);
      server = await startTestServer({
        store: storeUnderTest.store,
        logger: { level: 'trace', stream: { write: (line: string) => logLines.push(line) } },
      });
    });
    afterAll(async () => {
      for (const close of closers.reverse()) await close();
      await server?.close();
      await storeUnderTest?.cleanup();
    });

    /** The flows every provider runs: open, reattach, authenticate, revoke, and the failures around them. */
    async function runFlows(newProvider: () => SessionTokenProvider, label: string) {
      const email = await newUser();
      const first = newProvider();
      first.setSessionToken(true);
      await first.open({ email, password: PASSWORD });
      keepTokens(first);
      const tokens = first.getTokens()!;
      const second = newProvider();
      second.setSessionToken(true);
      await second.setSessionToken(tokens);
      await second.authenticate({ durationMinutes: 90 });
      keepTokens(second);
      const third = newProvider();
      await third.setSessionToken(tokens.sessionToken);
      await second.revoke();

      await failing(() => newProvider().setSessionToken(tokens.sessionToken)); // revoked token
      await failing(() => newProvider().setSessionToken(tokens)); // revoked token with its JWT
      await failing(() => third.authenticate()); // revoked under a live provider
      const tampered = `${tokens.sessionToken.slice(0, -2)}${tokens.sessionToken.endsWith('AA') ? 'BB' : 'AA'}`;
      keep(tampered);
      await failing(() => newProvider().setSessionToken(tampered));
      const [h, p] = tokens.sessionJwt!.split('.');
      const forgedJwt = `${h}.${p}.${'A'.repeat(342)}`;
      keep(forgedJwt);
      await failing(() => newProvider().setSessionToken({ sessionToken: tampered, sessionJwt: forgedJwt }));
      await failing(() => newProvider().open({ email, password: 'not the password' }));
      const past = new ManualClock(new Date(Date.now() - 2 * 60 * 60_000));
      const old = await server.serviceWithClock(past.now).createPasswordUser({
        email: `old-${label}-${randomUUID()}@example.test`,
        password: PASSWORD,
        sessionDurationMinutes: 5,
      });
      keep(old.sessionToken);
      keep(old.sessionJwt);
      await failing(() => newProvider().setSessionToken(old.sessionToken));
      await failing(() =>
        newProvider().setSessionToken({ sessionToken: old.sessionToken, sessionJwt: old.sessionJwt }),
      );
      await first.close();
      await failing(() => first.authenticate()); // closed
      for (const provider of [second, third]) await provider.close();
    }

    it('the service, directly', async () => {
      const email = await newUser();
      const session = await server.service.authenticatePassword({ email, password: PASSWORD });
      keep(session.sessionToken);
      keep(session.sessionJwt);
      await server.service.revokeSession({ sessionToken: session.sessionToken });
      for (const input of [
        { sessionToken: session.sessionToken },
        { sessionJwt: session.sessionJwt },
        { sessionToken: `${session.sessionToken}x` },
      ]) {
        keep(input.sessionToken);
        await failing(() => server.service.authenticateSession(input));
        await failing(() => server.service.revokeSession(input));
      }
      await failing(() => server.service.verifySessionJwt(`${session.sessionJwt}x`));
    });

    it('the HTTP provider through the HTTP server', async () => {
      await runFlows(httpProvider, 'http');
    });

    it('the embedded provider', async () => {
      await runFlows(embeddedProvider, 'embedded');
    });

    it('the store failing in the middle of calls, in each of its ways', async () => {
      let failed = 0;
      for (const failure of storeUnderTest.failures) {
        for (const newProvider of [httpProvider, embeddedProvider]) {
          const email = await newUser();
          const held = newProvider();
          held.setSessionToken(true);
          await held.open({ email, password: PASSWORD });
          keepTokens(held);
          const tokens = held.getTokens()!;
          await failure.arm(held.getSession()!.sessionId);
          let failedHere = 0;
          try {
            const reattaching = newProvider();
            reattaching.setSessionToken(true);
            failedHere += await attempt(() => reattaching.setSessionToken(tokens), reattaching);
            failedHere += await attempt(() => newProvider().setSessionToken(tokens.sessionToken));
            failedHere += await attempt(() => held.authenticate({ durationMinutes: 60 }), held);
            const opening = newProvider();
            opening.setSessionToken(true);
            failedHere += await attempt(() => opening.open({ email, password: PASSWORD }), opening);
            failedHere += await attempt(() => held.revoke());
          } finally {
            await failure.disarm();
          }
          // Each way of failing makes the session calls fail, not only some unrelated one.
          expect(
            failedHere,
            `${failure.name} (${newProvider === httpProvider ? 'HTTP' : 'embedded'})`,
          ).toBeGreaterThanOrEqual(3);
          failed += failedHere;
        }
      }
      expect(failed).toBeGreaterThanOrEqual(storeUnderTest.failures.length * 2 * 3);
      // Working again once the failure is gone.
      await newUser();
    });

    it('a connection cut in the middle of an answer', async () => {
      const email = await newUser();
      const opener = new StytchLikeSessionProvider({
        baseUrl: server.url,
        projectId: server.projectId,
        secret: server.secret,
      });
      closers.push(() => opener.close());
      opener.setSessionToken(true);
      await opener.open({ email, password: PASSWORD });
      keepTokens(opener);
      for (const close of ['fin', 'rst'] as const) {
        const proxy = await startCuttingProxy(server.url, { response: 1, atByte: 200, close });
        closers.push(() => proxy.close());
        const provider = new StytchLikeSessionProvider({
          baseUrl: proxy.url,
          projectId: server.projectId,
          secret: server.secret,
        });
        closers.push(() => provider.close());
        await failing(() => provider.setSessionToken(opener.getTokens()!));
      }
    });

    it('a hostile server that echoes the tokens back in malformed answers', async () => {
      const answers: ((token: string) => readonly [number, string])[] = [
        (token) => [200, `not json ${token}`],
        (token) => [200, JSON.stringify({ session_token: token, session_jwt: token })],
        (token) => [200, JSON.stringify({ session_token: token, session_jwt: token, session: { session_id: token } })],
        (token) => [200, JSON.stringify([token])],
        (token) => [
          401,
          JSON.stringify({
            error_type: 'session_not_found',
            error_message: `no session ${token}`,
            status_code: 401,
            request_id: token,
          }),
        ],
        (token) => [500, JSON.stringify({ error: token })],
        (token) => [502, `{"session_token":"${token}"`],
      ];
      let next = 0;
      const hostile = http.createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          const token = /"session_token":"([^"]+)"/.exec(body)?.[1] ?? 'none';
          const [status, text] = answers[next++ % answers.length]!(token);
          response.writeHead(status, { 'content-type': 'application/json' }).end(text);
        });
      });
      await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
      closers.push(() => new Promise<void>((resolve) => hostile.close(() => resolve())));
      const url = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
      const email = await newUser();
      const opener = new StytchLikeSessionProvider({
        baseUrl: server.url,
        projectId: server.projectId,
        secret: server.secret,
      });
      closers.push(() => opener.close());
      opener.setSessionToken(true);
      await opener.open({ email, password: PASSWORD });
      keepTokens(opener);
      for (let i = 0; i < answers.length; i++) {
        const provider = new StytchLikeSessionProvider({
          baseUrl: url,
          projectId: server.projectId,
          secret: server.secret,
        });
        closers.push(() => provider.close());
        await failing(() => provider.setSessionToken(opener.getTokens()!.sessionToken));
      }
    });

    it('found no collected token in any error or log line', () => {
      expect(secrets.size).toBeGreaterThan(20);
      expect(errors.length).toBeGreaterThanOrEqual(34 + storeUnderTest.failures.length * 2 * 3);
      expect(logLines.length).toBeGreaterThan(20);
      const leaks: string[] = [];
      const look = (where: string, text: string) => {
        for (const secret of secrets) if (text.includes(secret)) leaks.push(`${where}: ${text.slice(0, 300)}`);
      };
      for (const [i, error] of errors.entries()) {
        look(`error ${i} inspect`, inspect(error, { depth: 10 }));
        let level: unknown = error;
        for (let depth = 0; level !== undefined && level !== null && depth < 10; depth++) {
          look(
            `error ${i} cause ${depth} String()`,
            typeof level === 'string' ? level : level instanceof Error ? level.toString() : inspect(level),
          );
          look(`error ${i} cause ${depth} JSON`, JSON.stringify(level, Object.getOwnPropertyNames(level)) ?? '');
          look(`error ${i} cause ${depth} JSON (own)`, JSON.stringify(level) ?? '');
          if (level instanceof Error)
            look(`error ${i} cause ${depth} message`, `${level.message}\n${level.stack ?? ''}`);
          level = (level as { cause?: unknown }).cause;
        }
      }
      for (const line of logLines) look('log', line);
      expect(leaks).toEqual([]);
    });
  },
);
