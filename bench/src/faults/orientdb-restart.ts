// Figure 2: OrientDB frozen, then restarted, under load; every client call succeeds or fails UNAVAILABLE in bounded
// time (none hangs), and every client reattaches once the server is back.
import { OrientDBSessionProvider } from '@sessiontoken/orientdb';
import { withCleanup } from '../shared/cleanup.ts';
import { openToken, startFaultsOrientDB } from './orientdb-server.ts';
import { Tally, describeError, outcomeOf } from './outcomes.ts';
import { pause, waitFor, within } from '../shared/wait.ts';

export interface OrientDBRestartOptions {
  /** Clients; even ones reattach a new provider with the token each round, odd ones keep one provider opened with credentials. */
  readonly clients: number;
  /** The providers' `timeoutMs`. */
  readonly timeoutMs: number;
  /** Load before the faults begin. */
  readonly loadBeforeMs: number;
  /** How long the server's JVM is stopped (SIGSTOP) before the restart: sockets connect, nothing answers. */
  readonly freezeMs: number;
  /** After the server is back, rounds go on until every client succeeded this many times (or `recoverWithinMs` passes). */
  readonly successesAfter: number;
  readonly recoverWithinMs: number;
  readonly log?: (message: string) => void;
}

/** before the faults; JVM stopped; after SIGCONT; during the restart; after the restart. */
type Phase = 'before' | 'frozen' | 'thawed' | 'restarting' | 'after';
const PHASES: readonly Phase[] = ['before', 'frozen', 'thawed', 'restarting', 'after'];

export interface OrientDBRestartFigure {
  readonly clients: number;
  readonly timeoutMs: number;
  /** The documented longest wait of one provider call: connecting (≤ timeoutMs) plus one answer (≤ timeoutMs). */
  readonly boundMs: number;
  readonly freezeMs: number;
  readonly restart: { readonly downMs: number; readonly stopMs: number; readonly startMs: number };
  /** Provider calls that talk to the server (reattach, query) by the phase they started in, and outcome. */
  readonly outcomes: Record<Phase, Record<string, number>>;
  /** `close()` of the reattaching clients' providers, by outcome: all `ok`. */
  readonly closeOutcomes: Record<string, number>;
  /** Calls slower than `boundMs`, or that never settled: must be 0. */
  readonly hangs: number;
  /** Longest call that succeeded, and longest that failed, in ms. */
  readonly longestOkMs: number;
  readonly longestFailureMs: number;
  /** Clients that succeeded after the freeze, and after the restart: each must equal `clients`. */
  readonly recoveredAfterFreeze: number;
  readonly recovered: number;
  /** Milliseconds from the server being back until the last client's first success. */
  readonly recoveryMs: number;
  readonly notes: string[];
}

export async function orientdbRestartUnderLoad(options: OrientDBRestartOptions): Promise<OrientDBRestartFigure> {
  const log = options.log ?? (() => {});
  const boundMs = 2 * options.timeoutMs;
  // A call that has not settled long after its bound is a hang; it is cut loose so that the figure itself cannot hang.
  const hangLimitMs = boundMs + 10_000;
  return withCleanup(async (cleanup) => {
    const server = cleanup.add(await startFaultsOrientDB(log), 'OrientDB server', (s) => s.stop());
    const token = await openToken(server);
    const endpoint = { host: server.host, port: server.port, database: server.database, timeoutMs: options.timeoutMs };

    const outcomes = Object.fromEntries(PHASES.map((p) => [p, new Tally()])) as Record<Phase, Tally>;
    const closeOutcomes = new Tally();
    const notes: string[] = [];
    let phase: Phase = 'before';
    let backAt: number | undefined;
    const successesThawed = new Array<number>(options.clients).fill(0);
    let hangs = 0;
    let longestOkMs = 0;
    let longestFailureMs = 0;
    let stop = false;
    const successesAfter = new Array<number>(options.clients).fill(0);
    const firstSuccessAfter = new Array<number>(options.clients).fill(0);

    /** Runs one provider call, timing and counting it; resolves true when it succeeded. */
    const call = async (client: number, what: string, operation: () => Promise<unknown>): Promise<boolean> => {
      const startedIn = phase;
      const tally = what === 'close' ? closeOutcomes : outcomes[startedIn];
      const started = performance.now();
      try {
        await within(operation(), hangLimitMs, what);
        const ms = performance.now() - started;
        longestOkMs = Math.max(longestOkMs, ms);
        if (ms > boundMs) hangs++;
        tally.add('ok');
        if (what === 'close') return true;
        if (startedIn === 'thawed') successesThawed[client] = successesThawed[client]! + 1;
        if (startedIn === 'after') {
          if (successesAfter[client] === 0) firstSuccessAfter[client] = performance.now();
          successesAfter[client] = successesAfter[client]! + 1;
        }
        return true;
      } catch (error) {
        const ms = performance.now() - started;
        longestFailureMs = Math.max(longestFailureMs, ms);
        const hung = ms > boundMs;
        if (hung) hangs++;
        const outcome = outcomeOf(error);
        tally.add(hung && outcome.startsWith('raw') ? 'hang' : outcome);
        if (outcome !== 'UNAVAILABLE' || hung)
          notes.push(`${startedIn}: ${what} after ${Math.round(ms)} ms: ${describeError(error)}`);
        return false;
      }
    };

    const reattachingClient = async (client: number): Promise<void> => {
      for (let round = 0; round < 100_000 && !stop; round++) {
        const provider = new OrientDBSessionProvider(endpoint);
        const ok =
          (await call(client, 'reattach', () => provider.setSessionToken(token))) &&
          (await call(client, 'query', () => provider.query('SELECT 1 AS one')));
        await call(client, 'close', () => provider.close());
        // Pacing: a refused connect returns at once, and the restarting JVM needs the CPU.
        await pause(ok ? 20 : 100);
      }
    };
    const heldClient = async (client: number): Promise<void> => {
      const provider = cleanup.add(new OrientDBSessionProvider(endpoint), `held provider ${client}`, (p) => p.close());
      provider.setSessionToken(true);
      await provider.open(server.credentials);
      for (let round = 0; round < 100_000 && !stop; round++) {
        const ok = await call(client, 'query (held)', () => provider.query('SELECT 1 AS one'));
        await pause(ok ? 20 : 100);
      }
    };

    const running = Array.from({ length: options.clients }, (_, client) =>
      client % 2 === 0 ? reattachingClient(client) : heldClient(client),
    );
    const load = Promise.allSettled(running);
    try {
      await waitFor(() => outcomes.before.get('ok') >= options.clients, {
        timeoutMs: 30_000,
        what: 'every client to succeed once before the restart',
      });
      const loadStarted = performance.now();
      await waitFor(() => performance.now() - loadStarted >= options.loadBeforeMs, {
        timeoutMs: options.loadBeforeMs + 1000,
        what: 'the load period',
      });
      phase = 'frozen';
      process.kill(server.pid, 'SIGSTOP');
      cleanup.defer('SIGCONT to the frozen server', () => process.kill(server.pid, 'SIGCONT'));
      const frozenAt = performance.now();
      await waitFor(() => performance.now() - frozenAt >= options.freezeMs, {
        timeoutMs: options.freezeMs + 1000,
        what: 'the freeze period',
      });
      process.kill(server.pid, 'SIGCONT');
      phase = 'thawed';
      await waitFor(() => successesThawed.every((n) => n > 0), {
        timeoutMs: options.recoverWithinMs,
        what: 'every client to succeed after the freeze',
      }).catch((error: unknown) => notes.push(describeError(error)));
      phase = 'restarting';
      const restart = await server.restart();
      phase = 'after';
      backAt = performance.now();
      log(
        `orientdb-restart: server back after ${Math.round(restart.downMs)} ms (stop ${Math.round(restart.stopMs)} ms, start ${Math.round(restart.startMs)} ms)`,
      );
      await waitFor(() => successesAfter.every((n) => n >= options.successesAfter), {
        timeoutMs: options.recoverWithinMs,
        what: 'every client to succeed after the restart',
      }).catch((error: unknown) => notes.push(describeError(error)));
      stop = true;
      const settled = await load;
      for (const result of settled) if (result.status === 'rejected') throw result.reason;
      const recovered = successesAfter.filter((n) => n > 0).length;
      const lastFirst = Math.max(...firstSuccessAfter);
      return {
        clients: options.clients,
        timeoutMs: options.timeoutMs,
        boundMs,
        restart: {
          downMs: Math.round(restart.downMs),
          stopMs: Math.round(restart.stopMs),
          startMs: Math.round(restart.startMs),
        },
        freezeMs: options.freezeMs,
        outcomes: Object.fromEntries(PHASES.map((p) => [p, outcomes[p].toJSON()])) as Record<
          Phase,
          Record<string, number>
        >,
        closeOutcomes: closeOutcomes.toJSON(),
        hangs,
        longestOkMs: Math.round(longestOkMs),
        longestFailureMs: Math.round(longestFailureMs),
        recoveredAfterFreeze: successesThawed.filter((n) => n > 0).length,
        recovered,
        recoveryMs: recovered === options.clients && backAt !== undefined ? Math.round(lastFirst - backAt) : -1,
        notes: notes.slice(0, 20),
      };
    } finally {
      stop = true;
      await load;
    }
  });
}
