// The wrong-password flood: `sessions/authenticate` latency with and without 64 clients sending wrong passwords back to
// back. Server, flood and measuring clients are three processes, so each one's work shows only where it belongs.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { basicAuth, rawRequest } from './http-request.ts';
import { newProject } from './config.ts';
import { withCleanup } from '../shared/cleanup.ts';
import { waitFor } from '../shared/wait.ts';
import { nowMs, summarize } from '../measurements/stats.ts';

const SERVER_SCRIPT = new URL('./flood-server.ts', import.meta.url);
const FLOOD_SCRIPT = new URL('./flood-clients.ts', import.meta.url);
const PASSWORD = 'the account owner knows this one';

export interface AuthFloodOptions {
  /** Wrong-password clients, each from an address of its own. */
  readonly floodClients: number;
  /** Clients checking session tokens with `sessions/authenticate`, back to back. */
  readonly checkers: number;
  /** How long each phase (quiet, flood) measures. */
  readonly phaseMs: number;
  /** Each checker's time between two checks. */
  readonly checkIntervalMs: number;
  /** scrypt cost as log2(N) and p; the library's defaults when absent. The short test lowers them to save time. */
  readonly scrypt?: { readonly logCost: number; readonly parallelization: number };
  readonly log?: (message: string) => void;
}

export interface ScryptFigure {
  readonly logCost: number;
  readonly blockSize: number;
  readonly parallelization: number;
}

export interface LatencyFigure {
  readonly checks: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface AuthFloodFigure {
  readonly floodClients: number;
  readonly checkers: number;
  readonly phaseMs: number;
  readonly checkIntervalMs: number;
  /** scrypt parameters of the run's password hashes (N = 2^logCost). */
  readonly scrypt: ScryptFigure;
  /** Median time of one successful password login on the quiet server. */
  readonly loginMs: number;
  readonly quiet: LatencyFigure;
  readonly flood: LatencyFigure;
  /** Flood p99 over quiet p99. */
  readonly p99Ratio: number;
  /** The flood's answers by HTTP status, and the reasons of its 429s. */
  readonly floodStatuses: Record<string, number>;
  readonly floodReasons: Record<string, number>;
}

function startProcess(
  script: URL,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | string> } {
  const child = spawn(process.execPath, [script.pathname], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-8192)));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  void exited.then((code) => {
    if (code !== 0 && code !== 'SIGTERM') output += `\n[exited ${code}] ${errors}`;
  });
  return { child, output: () => output, exited };
}

/**
 * Each checker sends one `sessions/authenticate` every `intervalMs` (open loop: the next one is due on schedule, not
 * when the last answered), so the latencies show waiting caused by the flood, not by the checkers themselves.
 */
async function measureChecks(
  url: string,
  authorization: string,
  tokens: string[],
  phaseMs: number,
  intervalMs: number,
): Promise<LatencyFigure> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: tokens.length });
  const latencies: number[] = [];
  let failed = 0;
  const deadline = Date.now() + phaseMs;
  try {
    await Promise.all(
      tokens.map(async (token, index) => {
        let due = nowMs() + (intervalMs * index) / tokens.length;
        while (Date.now() < deadline) {
          const wait = due - nowMs();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          due += intervalMs;
          const started = nowMs();
          const answer = await rawRequest(url, {
            method: 'POST',
            path: '/v1/sessions/authenticate',
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify({ session_token: token }),
            agent,
            timeoutMs: 30_000,
          }).catch(() => null);
          latencies.push(nowMs() - started);
          if (answer?.status !== 200) failed++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const summary = summarize(latencies);
  return {
    checks: latencies.length,
    failed,
    p50Ms: round(summary.median),
    p99Ms: round(summary.p99),
    maxMs: round(summary.max),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export function authFlood(options: AuthFloodOptions): Promise<AuthFloodFigure> {
  const log = options.log ?? (() => {});
  return withCleanup(async (cleanup) => {
    const project = newProject();
    const authorization = basicAuth(project.projectId, project.secret);
    const server = startProcess(SERVER_SCRIPT, {
      FLOOD_PROJECT_ID: project.projectId,
      FLOOD_SECRET: project.secret,
      ...(options.scrypt === undefined
        ? {}
        : {
            FLOOD_SCRYPT_LOG_COST: String(options.scrypt.logCost),
            FLOOD_SCRYPT_P: String(options.scrypt.parallelization),
          }),
    });
    cleanup.defer('flood server', async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    });
    const listening = await waitFor(
      () => {
        if (server.output().includes('[exited')) throw new Error(`the flood server exited: ${server.output()}`);
        return /^listening on (http:\/\/\S+) scrypt (\{.*\})$/m.exec(server.output()) ?? undefined;
      },
      { timeoutMs: 30_000, what: 'the flood server to listen' },
    );
    const url = listening[1]!;
    const scrypt = JSON.parse(listening[2]!) as ScryptFigure;
    const email = `owner-${project.projectId}@example.test`;
    const signup = await rawRequest(url, {
      method: 'POST',
      path: '/v1/passwords',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
      timeoutMs: 60_000,
    });
    if (signup.status !== 200) throw new Error(`sign-up answered ${signup.status}`);
    const tokens: string[] = [];
    const loginTimes: number[] = [];
    for (let i = 0; i < options.checkers; i++) {
      const started = nowMs();
      const login = await rawRequest(url, {
        method: 'POST',
        path: '/v1/passwords/authenticate',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
        timeoutMs: 60_000,
      });
      loginTimes.push(nowMs() - started);
      if (login.status !== 200) throw new Error(`login answered ${login.status}`);
      if (tokens.length < options.checkers)
        tokens.push(String((JSON.parse(login.text) as { session_token: string }).session_token));
    }
    log(`flood: ${options.checkers} checkers, quiet phase ${options.phaseMs} ms`);
    const quiet = await measureChecks(url, authorization, tokens, options.phaseMs, options.checkIntervalMs);
    // The flood runs a second longer on each side, so the checks see it at full strength throughout.
    const flood = startProcess(FLOOD_SCRIPT, {
      FLOOD_URL: url,
      FLOOD_AUTHORIZATION: authorization,
      FLOOD_CLIENTS: String(options.floodClients),
      FLOOD_MS: String(options.phaseMs + 2000),
    });
    cleanup.defer('flood clients', async () => {
      flood.child.kill('SIGTERM');
      await flood.exited;
    });
    const floodStarted = Date.now();
    await waitFor(() => Date.now() - floodStarted >= 1000, {
      timeoutMs: 5000,
      what: 'the flood to build up',
      intervalMs: 50,
    });
    log(`flood: ${options.floodClients} wrong-password clients, flood phase ${options.phaseMs} ms`);
    const flooded = await measureChecks(url, authorization, tokens, options.phaseMs, options.checkIntervalMs);
    await flood.exited;
    const counts = JSON.parse(flood.output().trim().split('\n').at(-1) ?? '{}') as {
      statuses?: Record<string, number>;
      reasons?: Record<string, number>;
    };
    return {
      floodClients: options.floodClients,
      checkers: options.checkers,
      phaseMs: options.phaseMs,
      checkIntervalMs: options.checkIntervalMs,
      scrypt,
      loginMs: round(summarize(loginTimes).median),
      quiet,
      flood: flooded,
      p99Ratio: round(flooded.p99Ms / quiet.p99Ms),
      floodStatuses: counts.statuses ?? {},
      floodReasons: counts.reasons ?? {},
    };
  });
}
