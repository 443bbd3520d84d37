// Every flow of the package, successful and failing, with every issued session token and JWT collected: none may
// appear in any error (message, cause chain, String(), JSON, inspect) or in any line the HTTP server logs.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import type { SessionTokenProvider } from '@sessiontoken/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StytchLikeSessionProvider } from '../../src/provider/http-provider.js';
import { EmbeddedStytchLikeSessionProvider } from '../../src/server/provider/embedded-provider.js';
import { ManualClock } from '../helpers/clock.js';
import { startCuttingProxy } from '../helpers/cutting-proxy.js';
import { startTestServer, type TestServer } from '../helpers/servers.js';

const PASSWORD = 'a long and unguessable password';

describe('no token value in errors or logs', () => {
  let server: TestServer;
  const logLines: string[] = [];
  const secrets = new Set<string>();
  const errors: unknown[] = [];
  const closers: (() => Promise<unknown> | void)[] = [];

  /** Remembers a token or JWT (and a JWT's signature, which alone must not leak either). */
  const keep = (value: string | null | undefined) => {
    if (!value) return;
    secrets.add(value);
    const parts = value.split('.');
    if (parts.length === 3 && parts[2]) secrets.add(parts[2]);
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

  beforeAll(async () => {
    server = await startTestServer({
      logger: { level: 'trace', stream: { write: (line: string) => logLines.push(line) } },
    });
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await server?.close();
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
    await failing(() => newProvider().setSessionToken({ sessionToken: old.sessionToken, sessionJwt: old.sessionJwt }));
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
    await runFlows(() => {
      const provider = new StytchLikeSessionProvider({
        baseUrl: server.url,
        projectId: server.projectId,
        secret: server.secret,
      });
      closers.push(() => provider.close());
      return provider;
    }, 'http');
  });

  it('the embedded provider', async () => {
    await runFlows(() => {
      const provider = new EmbeddedStytchLikeSessionProvider({ service: server.service });
      closers.push(() => provider.close());
      return provider;
    }, 'embedded');
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
    expect(errors.length).toBeGreaterThanOrEqual(34);
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
        if (level instanceof Error) look(`error ${i} cause ${depth} message`, `${level.message}\n${level.stack ?? ''}`);
        level = (level as { cause?: unknown }).cause;
      }
    }
    for (const line of logLines) look('log', line);
    expect(leaks).toEqual([]);
  });
});
