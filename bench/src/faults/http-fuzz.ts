// Figure 5b: fuzzed request bodies against the Stytch-like server process: mutated valid bodies, random JSON, wrong
// types, huge and deeply nested values. Every answer must be a Stytch-shaped JSON response, never a 5xx, and the
// process must stay alive and healthy.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { StytchLikeSessionProvider } from '@sessiontoken/stytch-like/node';
import { newProject } from './config.ts';
import { withCleanup } from '../shared/cleanup.ts';
import { basicAuth, createPasswordUser, isHealthy, rawRequest, type RawRequest } from './http-request.ts';
import { Tally, describeError } from './outcomes.ts';
import { newStoreLocation } from './stytch-stores.ts';
import { startStytchProcess } from './stytch-process.ts';

export interface HttpFuzzOptions {
  readonly cases: number;
  /** Requests in flight at once (each on its own kept-alive connection). */
  readonly concurrency: number;
  readonly seed?: number;
  /** Check `/health` and the process every this many cases. */
  readonly healthEvery?: number;
}

export interface HttpFuzzFigure {
  readonly cases: number;
  readonly concurrency: number;
  readonly seed: number;
  /** Cases by what was sent (mutated valid body, random JSON, …). */
  readonly kinds: Record<string, number>;
  /** Answers by `status error_type` (`200` for success; `network <code>` when the connection failed). */
  readonly outcomes: Record<string, number>;
  /** Answers with status ≥ 500: must be 0. */
  readonly serverErrors: number;
  /** Answers that were not a Stytch-shaped JSON body with the HTTP status as `status_code`: must be 0. */
  readonly malformed: number;
  /** Connections that failed without an answer: must be 0. */
  readonly networkFailures: number;
  /** `/health` checks during and after the run, and how many answered 200. */
  readonly healthChecks: number;
  readonly healthy: number;
  /** The server process never exited; a session untouched by the fuzzing still authenticates at the end. */
  readonly processAlive: boolean;
  readonly canaryAuthenticates: boolean;
  readonly requestsPerSecond: number;
  readonly examples: string[];
}

/** One fuzz case: what to send, and which kind of input it is. */
interface FuzzCase {
  readonly kind: string;
  readonly method: RawRequest['method'];
  readonly path: string;
  /** A body, or a huge string body made at send time (so that cases stay small until sent). */
  readonly body: string | { readonly hugeBytes: number } | null;
  readonly contentType: string | null;
  readonly auth: 'right' | 'wrong' | 'none';
}

interface Seeds {
  readonly sessionToken: string;
  readonly sessionJwt: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly email: string;
  readonly password: string;
  readonly projectId: string;
}

const PASSWORD = 'a long and unguessable password';

const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
const edgeDuration = fc.constantFrom(
  4,
  5,
  60,
  527_040,
  527_041,
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  '60',
  Number.MAX_SAFE_INTEGER,
);
const longString = fc.constantFrom(255, 257, 4097, 8193, 20_000, 60_000).map((n) => 'x'.repeat(n));
// Any code point, lone surrogates included (fast-check's `binary` unit would cost ~85 MB of tables at load).
const anyCodePoints = (maxLength: number) =>
  fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength }).map((points) => String.fromCodePoint(...points));
const oddString = fc.oneof(
  fc.string({ maxLength: 64 }),
  anyCodePoints(64),
  fc.constantFrom('', ' ', '\u0000', '__proto__', 'constructor', '\ud800', '../../etc/passwd', '%00', "' OR 1=1 --"),
);

/** Percent-encodes any string, lone surrogates included (as UTF-8 of U+FFFD, which is what a client would send). */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** A JSON value nested `depth` levels deep, written out directly (a recursive JSON.stringify would be the test). */
function deepJson(depth: number, kind: 'object' | 'array'): string {
  return kind === 'object'
    ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    : `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

function mutatedObject(seeds: Record<string, unknown>[]): fc.Arbitrary<Record<string, unknown>> {
  const edit = fc.oneof(
    fc.record({ op: fc.constant('delete' as const), key: fc.nat() }),
    fc.record({ op: fc.constant('wrong-type' as const), key: fc.nat(), value: wrongType }),
    fc.record({ op: fc.constant('random-json' as const), key: fc.nat(), value: fc.jsonValue({ maxDepth: 3 }) }),
    fc.record({ op: fc.constant('long-string' as const), key: fc.nat(), value: longString }),
    fc.record({ op: fc.constant('odd-string' as const), key: fc.nat(), value: oddString }),
    fc.record({ op: fc.constant('duration' as const), value: edgeDuration }),
    fc.record({
      op: fc.constant('unknown-field' as const),
      name: fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.constantFrom('__proto__', 'constructor', 'session_id', 'user_id'),
      ),
      value: fc.jsonValue({ maxDepth: 2 }),
    }),
    fc.record({
      op: fc.constant('flip-char' as const),
      key: fc.nat(),
      at: fc.nat(),
      char: fc.string({ minLength: 1, maxLength: 1 }),
    }),
    fc.record({ op: fc.constant('truncate' as const), key: fc.nat(), at: fc.nat() }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([seed, edits]) => {
    const body: Record<string, unknown> = { ...seed };
    for (const e of edits) {
      const keys = Object.keys(body);
      const key = keys.length === 0 ? 'session_token' : keys[('key' in e ? e.key : 0) % keys.length]!;
      const current = body[key];
      switch (e.op) {
        case 'delete':
          delete body[key];
          break;
        case 'wrong-type':
        case 'random-json':
        case 'long-string':
        case 'odd-string':
          body[key] = e.value;
          break;
        case 'duration':
          body['session_duration_minutes'] = e.value;
          break;
        case 'unknown-field':
          Object.defineProperty(body, e.name, { value: e.value, enumerable: true, writable: true, configurable: true });
          break;
        case 'flip-char':
          if (typeof current === 'string' && current.length > 0) {
            const at = e.at % current.length;
            body[key] = current.slice(0, at) + e.char + current.slice(at + 1);
          }
          break;
        case 'truncate':
          if (typeof current === 'string') body[key] = current.slice(0, e.at % (current.length + 1));
          break;
      }
    }
    return body;
  });
}

/** Byte-level damage to serialized JSON: cut, inserted characters, duplicated runs. */
function damagedText(texts: string[]): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.constantFrom(...texts),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom('cut', 'insert', 'duplicate', 'delete'),
          fc.string({ minLength: 1, maxLength: 4 }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([text, edits]) => {
      let out = text;
      for (const [position, op, chars] of edits) {
        const at = out.length === 0 ? 0 : position % out.length;
        if (op === 'cut') out = out.slice(0, at);
        else if (op === 'insert') out = out.slice(0, at) + chars + out.slice(at);
        else if (op === 'duplicate') out = out.slice(0, at) + out.slice(at, at + 8) + out.slice(at);
        else out = out.slice(0, at) + out.slice(at + 1 + (chars.length % 4));
      }
      return out;
    });
}

function caseArbitrary(s: Seeds): fc.Arbitrary<FuzzCase> {
  const authSeeds = [
    { session_token: s.sessionToken },
    { session_jwt: s.sessionJwt },
    { session_token: s.sessionToken, session_duration_minutes: 60 },
    { session_token: s.sessionToken, session_custom_claims: { plan: 'pro', n: 1 } },
  ];
  const revokeSeeds = [{ session_token: s.sessionToken }, { session_jwt: s.sessionJwt }, { session_id: s.sessionId }];
  const loginSeeds = [
    { email: s.email, password: s.password },
    { email: s.email, password: s.password, session_duration_minutes: 30 },
  ];
  const createSeeds = [{ email: `fuzz-${randomUUID()}@example.test`, password: s.password }];
  const texts = [...authSeeds, ...revokeSeeds, ...loginSeeds].map((b) => JSON.stringify(b));
  const post = (path: string, kind: string, body: fc.Arbitrary<string>, weight: number) => ({
    weight,
    arbitrary: body.map((text): FuzzCase => ({
      kind,
      method: 'POST',
      path,
      body: text,
      contentType: 'application/json',
      auth: 'right',
    })),
  });
  const sessionPaths = fc.constantFrom('/v1/sessions/authenticate', '/v1/sessions/revoke');
  const anyJsonPath = fc.constantFrom(
    '/v1/sessions/authenticate',
    '/v1/sessions/revoke',
    '/v1/passwords/authenticate',
    '/v1/passwords',
  );
  return fc.oneof(
    post(
      '/v1/sessions/authenticate',
      'mutated valid body',
      mutatedObject(authSeeds).map((b) => JSON.stringify(b)),
      30,
    ),
    post(
      '/v1/sessions/revoke',
      'mutated valid body',
      mutatedObject(revokeSeeds).map((b) => JSON.stringify(b)),
      12,
    ),
    // Few password cases: a schema-valid one costs a full scrypt on the server, as it must.
    post(
      '/v1/passwords/authenticate',
      'mutated valid body',
      mutatedObject(loginSeeds).map((b) => JSON.stringify(b)),
      2,
    ),
    post(
      '/v1/passwords',
      'mutated valid body',
      mutatedObject(createSeeds).map((b) => JSON.stringify(b)),
      1,
    ),
    {
      weight: 12,
      arbitrary: fc.tuple(anyJsonPath, damagedText(texts)).map(([path, body]): FuzzCase => ({
        kind: 'damaged JSON text',
        method: 'POST',
        path,
        body,
        contentType: 'application/json',
        auth: 'right',
      })),
    },
    {
      weight: 12,
      arbitrary: fc.tuple(sessionPaths, fc.jsonValue({ maxDepth: 4 })).map(([path, value]): FuzzCase => ({
        kind: 'random JSON',
        method: 'POST',
        path,
        body: JSON.stringify(value) ?? 'null',
        contentType: 'application/json',
        auth: 'right',
      })),
    },
    {
      weight: 6,
      arbitrary: fc.tuple(sessionPaths, fc.uint8Array({ maxLength: 256 })).map(([path, bytes]): FuzzCase => ({
        kind: 'random bytes',
        method: 'POST',
        path,
        body: Buffer.from(bytes).toString('latin1'),
        contentType: 'application/json',
        auth: 'right',
      })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          sessionPaths,
          fc.integer({ min: 2_000, max: 12_000 }),
          fc.constantFrom('object', 'array'),
          fc.constantFrom('session_custom_claims', 'session_token', 'unknown'),
        )
        .map(([path, depth, kind, field]): FuzzCase => ({
          kind: 'deeply nested JSON',
          method: 'POST',
          path,
          body: `{"${field}":${deepJson(depth, kind)}}`,
          contentType: 'application/json',
          auth: 'right',
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(sessionPaths, fc.integer({ min: 65_537, max: 400_000 }))
        .map(([path, hugeBytes]): FuzzCase => ({
          kind: 'huge body',
          method: 'POST',
          path,
          body: { hugeBytes },
          contentType: 'application/json',
          auth: 'right',
        })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          sessionPaths,
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
            'multipart/form-data',
            '',
            'application/jsonx',
          ),
          fc.constantFrom(...texts),
        )
        .map(([path, contentType, body]): FuzzCase => ({
          kind: 'wrong content type',
          method: 'POST',
          path,
          body,
          contentType: contentType === '' ? null : contentType,
          auth: 'right',
        })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(sessionPaths, fc.constantFrom<FuzzCase['auth']>('wrong', 'none'), fc.constantFrom(...texts))
        .map(([path, auth, body]): FuzzCase => ({
          kind: 'wrong or no authentication',
          method: 'POST',
          path,
          body,
          contentType: 'application/json',
          auth,
        })),
    },
    {
      weight: 6,
      arbitrary: fc
        .oneof(
          fc.constant(s.userId),
          oddString,
          longString.map((x) => x.slice(0, 2000)),
          anyCodePoints(40),
        )
        .map((userId): FuzzCase => ({
          kind: 'fuzzed query string',
          method: 'GET',
          path: `/v1/sessions?user_id=${percentEncoded(userId)}`,
          body: null,
          contentType: null,
          auth: 'right',
        })),
    },
    {
      weight: 3,
      arbitrary: fc.oneof(fc.constant(s.projectId), oddString, fc.string({ maxLength: 300 })).map((id): FuzzCase => ({
        kind: 'fuzzed JWKS path',
        method: 'GET',
        path: `/v1/sessions/jwks/${percentEncoded(id)}`,
        body: null,
        contentType: null,
        auth: 'none',
      })),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          fc.constantFrom<FuzzCase['method']>('GET', 'PUT', 'DELETE', 'POST'),
          fc.constantFrom(
            '/v1/sessions/authenticate',
            '/v1/passwords',
            '/health',
            '/',
            '/v1',
            '/v1/sessions/jwks/',
            '/%2e%2e/%2e%2e/etc/passwd',
            '/v1/sessions/authenticate?x=1&x=2',
          ),
          fc.option(fc.constantFrom(...texts)),
        )
        .map(([method, path, body]): FuzzCase => ({
          kind: 'wrong method or path',
          method,
          path,
          body,
          contentType: body === null ? null : 'application/json',
          auth: 'right',
        })),
    },
  );
}

/** What a response says about the server: its outcome key, and whether it is shaped as the API promises. */
function classify(status: number, text: string): { outcome: string; wellFormed: boolean } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { outcome: `${status} (not JSON)`, wellFormed: false };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { outcome: `${status} (not an object)`, wellFormed: false };
  const record = body as Record<string, unknown>;
  if (record['status_code'] !== status || typeof record['request_id'] !== 'string')
    return { outcome: `${status} (no status_code/request_id)`, wellFormed: false };
  if (status >= 200 && status < 300) return { outcome: String(status), wellFormed: true };
  const wellFormed =
    typeof record['error_type'] === 'string' &&
    typeof record['error_message'] === 'string' &&
    typeof record['error_url'] === 'string';
  return { outcome: `${status} ${String(record['error_type'])}`, wellFormed };
}

export async function httpBodyFuzz(options: HttpFuzzOptions): Promise<HttpFuzzFigure> {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const healthEvery = options.healthEvery ?? 5000;
  return withCleanup(async (cleanup) => {
    const project = newProject();
    const location = cleanup.add(newStoreLocation('sqlite'), 'sqlite store', (l) => l.remove());
    const server = cleanup.add(await startStytchProcess({ store: location.url, ...project }), 'server process', (p) =>
      p.stop('SIGKILL'),
    );
    const email = `fuzz-${randomUUID()}@example.test`;
    await createPasswordUser(server.url, project, email, PASSWORD);
    const login = async () => {
      const provider = new StytchLikeSessionProvider({ baseUrl: server.url, ...project });
      try {
        provider.setSessionToken(true);
        const info = await provider.open({ email, password: PASSWORD });
        return { info, tokens: provider.getTokens()! };
      } finally {
        await provider.close();
      }
    };
    // The fuzzed bodies start from a real session; a second one (the canary) is never sent and must still work at the end.
    const target = await login();
    const canary = await login();
    const seeds: Seeds = {
      sessionToken: target.tokens.sessionToken,
      sessionJwt: target.tokens.sessionJwt!,
      sessionId: target.info.sessionId,
      userId: target.info.subject,
      email,
      password: PASSWORD,
      projectId: project.projectId,
    };
    const arbitrary = caseArbitrary(seeds);
    const agent = cleanup.add(new http.Agent({ keepAlive: true, maxSockets: options.concurrency }), 'fuzz agent', (a) =>
      a.destroy(),
    );
    const auth = {
      right: basicAuth(project.projectId, project.secret),
      wrong: basicAuth(project.projectId, `${project.secret}x`),
    };

    const kinds = new Tally();
    const outcomes = new Tally();
    const examples: string[] = [];
    let serverErrors = 0;
    let malformed = 0;
    let networkFailures = 0;
    let healthChecks = 0;
    let healthy = 0;
    const checkHealth = async (): Promise<void> => {
      healthChecks++;
      if (server.alive && (await isHealthy(server.url))) healthy++;
    };

    const send = async (c: FuzzCase): Promise<void> => {
      kinds.add(c.kind);
      const headers: Record<string, string> = {};
      if (c.contentType !== null) headers['content-type'] = c.contentType;
      if (c.auth !== 'none') headers['authorization'] = auth[c.auth];
      const body =
        c.body === null
          ? undefined
          : typeof c.body === 'string'
            ? c.body
            : `{"session_token":"${'y'.repeat(c.body.hugeBytes)}"}`;
      try {
        const response = await rawRequest(server.url, {
          method: c.method,
          path: c.path,
          headers,
          ...(body === undefined ? {} : { body }),
          agent,
          timeoutMs: 30_000,
        });
        const { outcome, wellFormed } = classify(response.status, response.text);
        outcomes.add(outcome);
        if (response.status >= 500) serverErrors++;
        if (!wellFormed) malformed++;
        if ((response.status >= 500 || !wellFormed) && examples.length < 10)
          examples.push(`${c.kind} ${c.method} ${c.path.slice(0, 60)} → ${outcome}: ${response.text.slice(0, 160)}`);
      } catch (error) {
        networkFailures++;
        outcomes.add(`network ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
        if (examples.length < 10)
          examples.push(`${c.kind} ${c.method} ${c.path.slice(0, 60)} → ${describeError(error)}`);
      }
    };

    const started = performance.now();
    const batch = 500;
    let done = 0;
    for (let first = 0; first < options.cases && server.alive; first += batch) {
      const cases = fc.sample(arbitrary, { numRuns: Math.min(batch, options.cases - first), seed: seed + first });
      let next = 0;
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          for (let index = next++; index < cases.length; index = next++) await send(cases[index]!);
        }),
      );
      const before = done;
      done += cases.length;
      if (Math.floor(done / healthEvery) > Math.floor(before / healthEvery)) await checkHealth();
    }
    const elapsed = performance.now() - started;
    await checkHealth();
    const canaryAuthenticates = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1/sessions/authenticate',
      headers: { authorization: auth.right, 'content-type': 'application/json' },
      body: JSON.stringify({ session_token: canary.tokens.sessionToken }),
    }).then(
      (r) => r.status === 200,
      () => false,
    );
    const processAlive = server.alive;
    const exit = await server.stop('SIGTERM');
    if (exit !== 0) examples.push(`the server exited with ${exit} on SIGTERM: ${server.stderr().slice(-300)}`);
    return {
      cases: done,
      concurrency: options.concurrency,
      seed,
      kinds: kinds.toJSON(),
      outcomes: outcomes.toJSON(),
      serverErrors,
      malformed,
      networkFailures,
      healthChecks,
      healthy,
      processAlive,
      canaryAuthenticates,
      requestsPerSecond: Math.round((done / elapsed) * 1000),
      examples,
    };
  });
}
