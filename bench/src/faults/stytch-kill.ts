// Figure 1: the Stytch-like server killed with SIGKILL under load; every session it acknowledged must survive.
import { randomUUID } from 'node:crypto';
import { StytchLikeSessionProvider } from '@sessiontoken/stytch-like/node';
import { newProject } from './config.ts';
import { withCleanup } from '../shared/cleanup.ts';
import { createPasswordUser } from './http-request.ts';
import { Tally, describeError, outcomeOf } from './outcomes.ts';
import { newStoreLocation, type DurableStoreKind } from './stytch-stores.ts';
import { startStytchProcess } from './stytch-process.ts';
import { waitFor } from '../shared/wait.ts';

export interface StytchKillOptions {
  /** `memory` only as the control that shows the figure detects loss. */
  readonly store: DurableStoreKind | 'memory';
  /** How long the load runs before the kill. */
  readonly loadMs: number;
  /** Concurrent clients, each a provider looping log in → extend. */
  readonly clients: number;
  readonly log?: (message: string) => void;
}

export interface StytchKillFigure {
  readonly store: DurableStoreKind | 'memory';
  readonly loadMs: number;
  readonly clients: number;
  /** Sessions whose creation was answered 200 before the process died. */
  readonly acknowledged: number;
  /** Of those, sessions that authenticate (token with the server, JWT against its JWKS) after the restart. */
  readonly authenticated: number;
  /** acknowledged − authenticated: must be 0. */
  readonly lost: number;
  /** Extensions (`session_duration_minutes`) answered 200 before the kill. */
  readonly extensionsAcknowledged: number;
  /** Extensions whose expiry was lost after the restart (the session expires earlier than acknowledged): must be 0. */
  readonly extensionsLost: number;
  /** Requests in flight when the kill was sent, and how each ended at the client (`answered` just before the death). */
  readonly inFlightAtKill: number;
  readonly inFlightOutcomes: Record<string, number>;
  /** How the reattaches after the restart ended (all `ok` when nothing was lost). */
  readonly verifyOutcomes: Record<string, number>;
  /** Milliseconds from SIGKILL until the restarted server listened. */
  readonly restartMs: number;
  readonly notes: string[];
}

const PASSWORD = 'a long and unguessable password';

interface Acknowledged {
  readonly sessionToken: string;
  readonly sessionJwt: string;
  /** The latest expiry the server acknowledged for this session. */
  expiresAt: number;
}

export async function stytchKillUnderLoad(options: StytchKillOptions): Promise<StytchKillFigure> {
  const log = options.log ?? (() => {});
  return withCleanup(async (cleanup) => {
    const project = newProject();
    const location = cleanup.add(newStoreLocation(options.store), `${options.store} store`, (l) => l.remove());
    const serve = () => startStytchProcess({ store: location.url, ...project });
    const first = cleanup.add(await serve(), 'first server process', (p) => p.stop('SIGKILL'));
    const email = `kill-${randomUUID()}@example.test`;
    await createPasswordUser(first.url, project, email, PASSWORD);

    const acknowledged = new Map<string, Acknowledged>();
    const inFlightOutcomes = new Tally();
    const notes: string[] = [];
    let extensionsAcknowledged = 0;
    let inFlight = 0;
    let killed = false;

    const client = async (index: number): Promise<void> => {
      const provider = cleanup.add(
        new StytchLikeSessionProvider({ baseUrl: first.url, ...project, timeoutMs: 10_000 }),
        `load provider ${index}`,
        (p) => p.close(),
      );
      provider.setSessionToken(true);
      // Bounded by the kill (the load stops at the first failure after it) and by a count, whichever comes first.
      for (let round = 0; round < 100_000 && !killed; round++) {
        const extend = round % 2 === 1 && provider.getSession() !== null;
        inFlight++;
        try {
          if (extend) {
            const info = await provider.authenticate({ durationMinutes: 120 + ((index * 7 + round) % 600) });
            const entry = acknowledged.get(info.sessionId);
            if (entry && info.expiresAt) {
              entry.expiresAt = Math.max(entry.expiresAt, info.expiresAt.getTime());
              extensionsAcknowledged++;
            }
          } else {
            const info = await provider.open({ email, password: PASSWORD }, { sessionDurationMinutes: 60 });
            const tokens = provider.getTokens();
            if (!tokens?.sessionJwt || !info.expiresAt) throw new Error('open() resolved without tokens or expiry');
            acknowledged.set(info.sessionId, {
              sessionToken: tokens.sessionToken,
              sessionJwt: tokens.sessionJwt,
              expiresAt: info.expiresAt.getTime(),
            });
          }
          // Answered in the moment between the decision to kill and the process's death: acknowledged all the same.
          if (killed) inFlightOutcomes.add('answered');
        } catch (error) {
          if (!killed) {
            notes.push(`before the kill, client ${index}: ${describeError(error)}`);
            throw error;
          }
          inFlightOutcomes.add(outcomeOf(error));
          return;
        } finally {
          inFlight--;
        }
      }
    };

    const loadStarted = performance.now();
    const clients = Array.from({ length: options.clients }, (_, index) => client(index));
    const loadDone = Promise.allSettled(clients);
    // The load lasts loadMs and until a session was acknowledged: on a busy machine a scrypt login can take seconds.
    await waitFor(
      () => (performance.now() - loadStarted >= options.loadMs && acknowledged.size > 0) || first.exit !== undefined,
      {
        timeoutMs: options.loadMs + 60_000,
        what: 'the load period and a first acknowledged session',
      },
    );
    if (first.exit !== undefined)
      throw new Error(
        `the server exited with ${first.exit} under load, before the kill: ${first.stderr().slice(-500)}`,
      );
    // The requests in flight now are the ones the kill interrupts.
    await waitFor(() => inFlight > 0, { timeoutMs: 10_000, what: 'a request in flight to kill under', intervalMs: 1 });
    killed = true;
    const inFlightAtKill = inFlight;
    const killedAt = performance.now();
    const exit = await first.stop('SIGKILL');
    if (exit !== 'SIGKILL') notes.push(`the first process exited with ${exit}, not by SIGKILL`);
    const settled = await loadDone;
    for (const result of settled)
      if (result.status === 'rejected')
        throw new Error(`a load client failed before the kill: ${describeError(result.reason)}`);
    log(
      `stytch-kill ${options.store}: ${acknowledged.size} sessions and ${extensionsAcknowledged} extensions acknowledged, ${inFlightAtKill} in flight at SIGKILL`,
    );

    const second = cleanup.add(await serve(), 'restarted server process', (p) => p.stop('SIGTERM'));
    const restartMs = performance.now() - killedAt;

    // Each acknowledged session is reattached as another process would: token checked by the server, JWT by its JWKS.
    const verifyOutcomes = new Tally();
    let extensionsLost = 0;
    const queue = [...acknowledged.values()];
    const verifier = async (): Promise<void> => {
      const provider = cleanup.add(
        new StytchLikeSessionProvider({ baseUrl: second.url, ...project, timeoutMs: 10_000 }),
        'verify provider',
        (p) => p.close(),
      );
      for (let entry = queue.pop(); entry; entry = queue.pop()) {
        try {
          const info = await provider.setSessionToken({
            sessionToken: entry.sessionToken,
            sessionJwt: entry.sessionJwt,
          });
          verifyOutcomes.add('ok');
          if ((info.expiresAt?.getTime() ?? 0) < entry.expiresAt) {
            extensionsLost++;
            notes.push(
              `session ${info.sessionId} expires at ${info.expiresAt?.toISOString()}, before the acknowledged ${new Date(entry.expiresAt).toISOString()}`,
            );
          }
        } catch (error) {
          verifyOutcomes.add(outcomeOf(error));
          if (notes.length < 20) notes.push(`after the restart: ${describeError(error)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, () => verifier()));
    const authenticated = verifyOutcomes.get('ok');
    const exitCode = await second.stop('SIGTERM');
    if (exitCode !== 0) notes.push(`the restarted process exited with ${exitCode} on SIGTERM`);

    return {
      store: options.store,
      loadMs: options.loadMs,
      clients: options.clients,
      acknowledged: acknowledged.size,
      authenticated,
      lost: acknowledged.size - authenticated,
      extensionsAcknowledged,
      extensionsLost,
      inFlightAtKill,
      inFlightOutcomes: inFlightOutcomes.toJSON(),
      verifyOutcomes: verifyOutcomes.toJSON(),
      restartMs: Math.round(restartMs),
      notes,
    };
  });
}
