// Figure 3: a connection closed in the middle of a response (a loopback proxy in front of the real server cuts it):
// the call fails with a typed error at once, and the provider (and a new one) works again afterwards.
import { randomInt, randomUUID } from 'node:crypto';
import { OrientDBSessionProvider } from '@sessiontoken/orientdb';
import { StytchLikeSessionProvider } from '@sessiontoken/stytch-like/node';
import { MemorySessionStore, StytchLikeSessionService, createStytchLikeServer } from '@sessiontoken/stytch-like/server';
import { newProject } from './config.ts';
import { withCleanup, type CleanupStack } from '../shared/cleanup.ts';
import { startFaultProxy, type FaultProxy, type CutSpec } from './fault-proxy.ts';
import { createPasswordUser, rawRequest, basicAuth } from './http-request.ts';
import { openToken, type OrientDBEndpoint } from './orientdb-server.ts';
import { Tally, describeError, outcomeOf } from './outcomes.ts';
import { within } from '../shared/wait.ts';

/** How the cases of one scenario ended. */
export interface CutScenarioFigure {
  readonly scenario: string;
  /** Cases run, and responses the proxy actually cut (a case whose response ended before the cut point is a miss). */
  readonly cases: number;
  readonly cut: number;
  /** How the call whose response was cut ended. */
  readonly outcomes: Record<string, number>;
  /** Longest time from the call to its failure: a cut is noticed at once, not after the provider's timeout. */
  readonly longestMs: number;
  /** The same provider's next call, and a new provider's call, after the cut: all `ok`. */
  readonly sameProviderAfter: Record<string, number>;
  readonly newProviderAfter: Record<string, number>;
}

export interface CutFigure {
  readonly backend: 'orientdb' | 'stytch-like';
  readonly timeoutMs: number;
  readonly scenarios: CutScenarioFigure[];
  readonly notes: string[];
}

interface Scenario {
  readonly name: string;
  /** Bytes of the response this scenario cuts, measured through the proxy without cutting. */
  readonly size: number;
  /** Runs one case: arms `cut` on the right response, makes the call, then the same provider's next call. */
  readonly run: (cut: CutSpec) => Promise<{ call: Result; again: Result }>;
  /** A new provider doing the same work, through the proxy (which no longer cuts). */
  readonly fresh: () => Promise<Result>;
}

type Result = { readonly outcome: string; readonly ms: number; readonly error?: unknown };

async function result(operation: () => Promise<unknown>, hangLimitMs: number): Promise<Result> {
  const started = performance.now();
  try {
    await within(operation(), hangLimitMs, 'the call');
    return { outcome: 'ok', ms: performance.now() - started };
  } catch (error) {
    return { outcome: outcomeOf(error), ms: performance.now() - started, error };
  }
}

/** Runs `cases` cases over the scenarios in turn, alternating FIN and RST, each at a random byte inside the response. */
async function runScenarios(
  scenarios: Scenario[],
  cases: number,
  proxy: FaultProxy,
  notes: string[],
): Promise<CutScenarioFigure[]> {
  const figures = scenarios.map((s) => ({
    scenario: s.name,
    cases: 0,
    cut: 0,
    outcomes: new Tally(),
    longestMs: 0,
    same: new Tally(),
    fresh: new Tally(),
  }));
  for (let index = 0; index < cases; index++) {
    const scenario = scenarios[index % scenarios.length]!;
    const figure = figures[index % scenarios.length]!;
    // Answers vary by a few bytes (timestamps, JWTs): stay clear of the measured end, so that every case is a cut.
    const last = scenario.size - Math.min(16, Math.floor(scenario.size / 8));
    const spec: CutSpec = {
      kind: 'cut',
      atByte: scenario.size <= 1 ? 0 : randomInt(1, Math.max(2, last)),
      close: Math.floor(index / scenarios.length) % 2 === 0 ? 'fin' : 'rst',
    };
    const faultsBefore = proxy.faults;
    const { call, again } = await scenario.run(spec);
    proxy.setPolicy(() => null);
    figure.cases++;
    if (proxy.faults > faultsBefore) figure.cut++;
    figure.outcomes.add(call.outcome);
    if (call.outcome !== 'ok') figure.longestMs = Math.max(figure.longestMs, call.ms);
    if (call.outcome !== 'UNAVAILABLE' && call.outcome !== 'ok' && notes.length < 20)
      notes.push(`${scenario.name} (${spec.close} at ${spec.atByte}): ${describeError(call.error)}`);
    figure.same.add(again.outcome);
    if (again.outcome !== 'ok' && notes.length < 20)
      notes.push(`${scenario.name}, same provider afterwards: ${describeError(again.error)}`);
    const fresh = await scenario.fresh();
    figure.fresh.add(fresh.outcome);
    if (fresh.outcome !== 'ok' && notes.length < 20)
      notes.push(`${scenario.name}, new provider afterwards: ${describeError(fresh.error)}`);
  }
  return figures.map((f) => ({
    scenario: f.scenario,
    cases: f.cases,
    cut: f.cut,
    outcomes: f.outcomes.toJSON(),
    longestMs: Math.round(f.longestMs),
    sameProviderAfter: f.same.toJSON(),
    newProviderAfter: f.fresh.toJSON(),
  }));
}

const ROWS = 200;

/** OrientDB: cuts the greeting, the reattach answer, and query answers of a reattached and of an opened session. */
export async function orientdbMidResponseCuts(options: {
  server: OrientDBEndpoint;
  cases: number;
  timeoutMs: number;
}): Promise<CutFigure> {
  const { server, timeoutMs } = options;
  const hangLimitMs = 2 * timeoutMs + 10_000;
  return withCleanup(async (cleanup) => {
    const notes: string[] = [];
    const token = await openToken(server);
    const table = await prepareRows(server, cleanup);
    const bigQuery = `SELECT FROM ${table}`;
    const proxy = cleanup.add(await startFaultProxy({ upstreamPort: server.port }), 'fault proxy', (p) => p.close());
    const viaProxy = () =>
      cleanup.add(
        new OrientDBSessionProvider({ host: server.host, port: proxy.port, database: server.database, timeoutMs }),
        'provider',
        (p) => p.close(),
      );
    const lastConnection = () => proxy.connections - 1;
    const checkRows = (rows: unknown[]) => {
      if (rows.length !== ROWS) throw new Error(`the query returned ${rows.length} rows, not ${ROWS}`);
    };

    // Calibration: the sizes of the responses the scenarios cut, through the proxy, uncut.
    const probe = viaProxy();
    await probe.setSessionToken(token);
    checkRows(await probe.query(bigQuery));
    const [greeting, reattachAnswer, queryAnswer] = proxy.records[lastConnection()]!.responseBytes;
    const opened = viaProxy();
    await opened.open(server.credentials);
    checkRows(await opened.query(bigQuery));
    const openedQueryAnswer = proxy.records[lastConnection()]!.responseBytes.at(-1)!;
    await Promise.all([probe.close(), opened.close()]);

    const reattachFresh = () =>
      result(async () => {
        const provider = viaProxy();
        try {
          await provider.setSessionToken(token);
          checkRows(await provider.query(bigQuery));
        } finally {
          await provider.close();
        }
      }, hangLimitMs);

    const scenarios: Scenario[] = [
      {
        name: 'greeting (reattach on a new socket)',
        size: greeting!,
        fresh: reattachFresh,
        async run(spec) {
          const provider = viaProxy();
          proxy.faultNext(spec, { nextConnectionResponse: 0 });
          const call = await result(() => provider.setSessionToken(token), hangLimitMs);
          const again = await result(() => provider.setSessionToken(token), hangLimitMs);
          await provider.close();
          return { call, again };
        },
      },
      {
        name: 'reattach answer',
        size: reattachAnswer!,
        fresh: reattachFresh,
        async run(spec) {
          const provider = viaProxy();
          proxy.faultNext(spec, { nextConnectionResponse: 1 });
          const call = await result(() => provider.setSessionToken(token), hangLimitMs);
          const again = await result(() => provider.setSessionToken(token), hangLimitMs);
          await provider.close();
          return { call, again };
        },
      },
      {
        name: `query answer, reattached session (${ROWS} rows)`,
        size: queryAnswer!,
        fresh: reattachFresh,
        async run(spec) {
          const provider = viaProxy();
          await provider.setSessionToken(token);
          proxy.faultNext(spec, { connection: lastConnection() });
          const call = await result(async () => checkRows(await provider.query(bigQuery)), hangLimitMs);
          const again = await result(async () => checkRows(await provider.query(bigQuery)), hangLimitMs);
          await provider.close();
          return { call, again };
        },
      },
      {
        name: `query answer, opened session (${ROWS} rows)`,
        size: openedQueryAnswer,
        fresh: reattachFresh,
        async run(spec) {
          const provider = viaProxy();
          await provider.open(server.credentials);
          proxy.faultNext(spec, { connection: lastConnection() });
          const call = await result(async () => checkRows(await provider.query(bigQuery)), hangLimitMs);
          // The socket that knew the session id is gone: the provider goes on statelessly with its token.
          const again = await result(async () => checkRows(await provider.query(bigQuery)), hangLimitMs);
          await provider.close();
          return { call, again };
        },
      },
    ];
    const scenariosFigure = await runScenarios(scenarios, options.cases, proxy, notes);
    return { backend: 'orientdb', timeoutMs, scenarios: scenariosFigure, notes };
  });
}

/** A class with {@link ROWS} rows of ~300 bytes, so that a query answer spans many TCP segments. */
async function prepareRows(server: OrientDBEndpoint, cleanup: CleanupStack): Promise<string> {
  const table = `CutRow_${randomUUID().replaceAll('-', '')}`;
  const provider = cleanup.add(
    new OrientDBSessionProvider({ host: server.host, port: server.port, database: server.database }),
    'setup provider',
    (p) => p.close(),
  );
  await provider.open(server.credentials);
  await provider.command(`CREATE CLASS ${table}`);
  for (let row = 0; row < ROWS; row++)
    await provider.command(`INSERT INTO ${table} SET n = ?, text = ?`, [row, `row ${row} `.padEnd(300, 'x')]);
  await provider.close();
  return table;
}

const PASSWORD = 'a long and unguessable password';

/**
 * Stytch-like over HTTP: cuts the answer of a reattach (first request on a new socket), of `authenticate()` on a
 * kept-alive socket, and of a password login. Also counts the sessions a login created, to show whether a cut login
 * was sent twice.
 */
export async function stytchMidResponseCuts(options: {
  cases: number;
  timeoutMs: number;
}): Promise<CutFigure & { readonly loginsCut: number; readonly sessionsFromCutLogins: number }> {
  const { timeoutMs } = options;
  const hangLimitMs = 2 * timeoutMs + 10_000;
  return withCleanup(async (cleanup) => {
    const notes: string[] = [];
    const project = newProject();
    const store = cleanup.add(new MemorySessionStore(), 'memory store', (s) => s.close());
    const service = cleanup.add(
      new StytchLikeSessionService({
        store,
        projectId: project.projectId,
        passwordHashing: { cost: 2 ** 10 },
        sweepIntervalMs: 0,
      }),
      'service',
      (s) => s.close(),
    );
    const server = createStytchLikeServer({ service, secret: project.secret });
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    cleanup.add(server, 'HTTP server', (s) => s.close());
    const email = `cut-${randomUUID()}@example.test`;
    await createPasswordUser(url, project, email, PASSWORD);
    const upstreamPort = Number(new URL(url).port);
    const proxy = cleanup.add(await startFaultProxy({ upstreamPort }), 'fault proxy', (p) => p.close());
    const proxyUrl = `http://127.0.0.1:${proxy.port}`;
    const viaProxy = () =>
      cleanup.add(new StytchLikeSessionProvider({ baseUrl: proxyUrl, ...project, timeoutMs }), 'provider', (p) =>
        p.close(),
      );
    const lastConnection = () => proxy.connections - 1;

    // Calibration: the sizes of the answers the scenarios cut, through the proxy, uncut.
    const seed = viaProxy();
    seed.setSessionToken(true);
    await seed.open({ email, password: PASSWORD });
    const sessionToken = seed.getSessionToken();
    await seed.close();
    const probe = viaProxy();
    await probe.setSessionToken(sessionToken);
    const reattachAnswer = proxy.records[lastConnection()]!.responseBytes[1]!;
    await probe.authenticate();
    const authenticateAnswer = proxy.records[lastConnection()]!.responseBytes[2]!;
    await probe.close();
    const login = viaProxy();
    await login.setSessionToken(sessionToken);
    await login.open({ email, password: PASSWORD });
    const loginAnswer = proxy.records[lastConnection()]!.responseBytes[2]!;
    await login.close();

    const reattachFresh = () =>
      result(async () => {
        const provider = viaProxy();
        try {
          await provider.setSessionToken(sessionToken);
          await provider.authenticate();
        } finally {
          await provider.close();
        }
      }, hangLimitMs);
    let loginsCut = 0;
    const sessionsBefore = await countSessions(url, project, sessionToken);

    const scenarios: Scenario[] = [
      {
        name: 'reattach answer (new socket)',
        size: reattachAnswer,
        fresh: reattachFresh,
        async run(spec) {
          const provider = viaProxy();
          proxy.faultNext(spec, { nextConnectionResponse: 1 });
          const call = await result(() => provider.setSessionToken(sessionToken), hangLimitMs);
          const again = await result(() => provider.setSessionToken(sessionToken), hangLimitMs);
          await provider.close();
          return { call, again };
        },
      },
      {
        name: 'authenticate answer (kept-alive socket)',
        size: authenticateAnswer,
        fresh: reattachFresh,
        async run(spec) {
          const provider = viaProxy();
          await provider.setSessionToken(sessionToken);
          proxy.faultNext(spec, { connection: lastConnection() });
          const call = await result(() => provider.authenticate(), hangLimitMs);
          const again = await result(() => provider.authenticate(), hangLimitMs);
          await provider.close();
          return { call, again };
        },
      },
      {
        name: 'password login answer (kept-alive socket)',
        size: loginAnswer,
        fresh: reattachFresh,
        async run(spec) {
          const provider = viaProxy();
          await provider.setSessionToken(sessionToken);
          proxy.faultNext(spec, { connection: lastConnection() });
          loginsCut++;
          const call = await result(() => provider.open({ email, password: PASSWORD }), hangLimitMs);
          // Whether or not the login went through, the provider holds a session to authenticate.
          const again = await result(() => provider.authenticate(), hangLimitMs);
          await provider.close();
          return { call, again };
        },
      },
    ];
    const figures = await runScenarios(scenarios, options.cases, proxy, notes);
    const sessionsAfter = await countSessions(url, project, sessionToken);
    // Every case reattaches or authenticates; only logins create sessions.
    return {
      backend: 'stytch-like',
      timeoutMs,
      scenarios: figures,
      notes,
      loginsCut,
      sessionsFromCutLogins: sessionsAfter - sessionsBefore,
    };
  });
}

/** The user's active sessions, read straight from the server (not through the provider under test). */
async function countSessions(
  url: string,
  project: { projectId: string; secret: string },
  sessionToken: string,
): Promise<number> {
  const auth = { authorization: basicAuth(project.projectId, project.secret), 'content-type': 'application/json' };
  const who = await rawRequest(url, {
    method: 'POST',
    path: '/v1/sessions/authenticate',
    headers: auth,
    body: JSON.stringify({ session_token: sessionToken }),
  });
  const userId = (JSON.parse(who.text) as { session: { user_id: string } }).session.user_id;
  const list = await rawRequest(url, {
    method: 'GET',
    path: `/v1/sessions?user_id=${encodeURIComponent(userId)}`,
    headers: { authorization: auth.authorization },
  });
  return (JSON.parse(list.text) as { sessions: unknown[] }).sessions.length;
}
