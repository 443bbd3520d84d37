// `serve --workers <n>`: a primary process forks n cluster workers that serve one port (the primary accepts
// connections and hands them round-robin to the workers), replaces a worker that dies, and drains them all on
// SIGTERM or SIGINT. node:cluster rather than `reusePort`: it works for `--port 0` (every worker gets the same port),
// on every platform Node runs on, and the primary is the supervisor that prints one "listening" line, restarts and
// drains. A worker whose primary is gone (even by SIGKILL) exits: cluster ends a worker whose IPC channel closes.
import cluster, { type Worker } from 'node:cluster';

/** Primary → worker. */
type ToWorker =
  { readonly type: 'stytch-like:start'; readonly slot: number } | { readonly type: 'stytch-like:shutdown' };
/** Worker → primary. */
type FromWorker =
  | { readonly type: 'stytch-like:ready'; readonly port: number }
  | { readonly type: 'stytch-like:failed'; readonly reason: string };

/** When a worker that died is started again, and when the primary gives up. */
export interface WorkerRestartPolicy {
  /** Unexpected exits within `windowMs` after which the server stops instead of starting another worker. Default 5. */
  readonly maxRestarts: number;
  /** Default 60 000 ms. */
  readonly windowMs: number;
  /** Delay before the first restart in the window; it doubles with each further one. Default 100 ms. */
  readonly baseDelayMs: number;
  /** Default 5000 ms. */
  readonly maxDelayMs: number;
}

export const DEFAULT_WORKER_RESTART_POLICY: WorkerRestartPolicy = {
  maxRestarts: 5,
  windowMs: 60_000,
  baseDelayMs: 100,
  maxDelayMs: 5000,
};

/** Options for {@link WorkerSupervisor}. */
export interface WorkerSupervisorOptions {
  readonly workers: number;
  /** The port to serve; 0 for any free one (the first worker's listen picks it, the others share it). */
  readonly port: number;
  /** Where the primary's one-line notices go. */
  readonly stderr: { write(text: string): unknown };
  /** The name notices start with. */
  readonly bin: string;
  /** How long the workers may take to drain before the primary kills them. */
  readonly drainDeadlineMs: number;
  /** How long the workers may take to start. Default 60 000 ms. */
  readonly startDeadlineMs?: number;
  readonly restart?: Partial<WorkerRestartPolicy>;
}

/** A worker failed to start, or workers kept dying; the message is one line for the terminal. */
export class WorkerPoolError extends Error {
  override readonly name = 'WorkerPoolError';
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Why it failed, when it said so before exiting. */
  failure: string | undefined;
}

/**
 * The primary's side of `serve --workers`: forks the workers, knows when they all listen, replaces one that exits
 * unexpectedly (with a backoff, giving up after too many exits in a window), and drains them all.
 */
export class WorkerSupervisor {
  readonly #options: WorkerSupervisorOptions;
  readonly #restart: WorkerRestartPolicy;
  readonly #slots = new Map<number, Slot>();
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  #recentExits: number[] = [];
  /** The port the workers listen on, once the first one does. */
  #port: number;
  #state: 'starting' | 'running' | 'stopping' = 'starting';
  #settleStart: ((error?: WorkerPoolError) => void) | undefined;
  #giveUp: ((error: WorkerPoolError) => void) | undefined;
  /** Rejects when workers keep dying after the start; never resolves. */
  readonly failed: Promise<never>;

  constructor(options: WorkerSupervisorOptions) {
    if (!cluster.isPrimary) throw new Error('a cluster worker cannot start workers of its own');
    if (!Number.isInteger(options.workers) || options.workers < 2) throw new RangeError('workers must be 2 or more');
    this.#options = options;
    this.#restart = { ...DEFAULT_WORKER_RESTART_POLICY, ...options.restart };
    this.#port = options.port;
    this.failed = new Promise<never>((_, reject) => (this.#giveUp = reject));
    // Nobody awaits `failed` until the start is over.
    this.failed.catch(() => {});
  }

  /**
   * Forks the workers; resolves with the port once every one listens. When one fails to start, stops the others and
   * rejects with {@link WorkerPoolError} carrying its one-line reason.
   */
  async start(): Promise<number> {
    // The primary accepts and hands each connection to the next worker; the default except on Windows.
    cluster.schedulingPolicy = cluster.SCHED_RR;
    const started = new Promise<void>((resolve, reject) => {
      this.#settleStart = (error) => (error ? reject(error) : resolve());
    });
    const deadlineMs = this.#options.startDeadlineMs ?? 60_000;
    const deadline = setTimeout(
      () => this.#settleStart?.(new WorkerPoolError(`the workers did not all start within ${deadlineMs / 1000} s`)),
      deadlineMs,
    );
    for (let slot = 1; slot <= this.#options.workers; slot++) this.#fork(slot);
    try {
      await started;
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      clearTimeout(deadline);
      this.#settleStart = undefined;
    }
    this.#state = 'running';
    return this.#port;
  }

  /**
   * Asks every worker to drain (finish requests in flight, close connections, release held refusals) and resolves
   * once all have exited: `true` when each exited cleanly in time, `false` when one had to be killed or failed.
   */
  async stop(): Promise<boolean> {
    this.#state = 'stopping';
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    const slots = [...this.#slots.values()];
    let clean = true;
    const exits = slots.map(
      ({ worker }) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          worker.once('exit', (code) => {
            if (code !== 0) clean = false;
            resolve();
          });
        }),
    );
    for (const { worker } of slots) send(worker, { type: 'stytch-like:shutdown' });
    const killer = setTimeout(() => {
      for (const { worker } of slots) {
        if (!worker.isDead()) {
          clean = false;
          this.#notice(`worker pid ${worker.process.pid} did not drain in time; killing it`);
          worker.process.kill('SIGKILL');
        }
      }
    }, this.#options.drainDeadlineMs + 5000);
    try {
      await Promise.all(exits);
    } finally {
      clearTimeout(killer);
    }
    return clean;
  }

  #fork(slot: number): void {
    const worker = cluster.fork();
    const entry: Slot = { worker, ready: false, failure: undefined };
    this.#slots.set(slot, entry);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'stytch-like:ready') {
        entry.ready = true;
        if (this.#state === 'running' && message.port !== this.#port) {
          // `--port 0` after every worker had died at once: the handle they shared is gone, and the new port is not
          // the one announced.
          this.#giveUp?.(
            new WorkerPoolError(`a new worker listens on port ${message.port}, not ${this.#port}: stopping`),
          );
          return;
        }
        this.#port = message.port;
        if (this.#state === 'starting' && [...this.#slots.values()].every((each) => each.ready)) this.#settleStart?.();
      } else if (message.type === 'stytch-like:failed') {
        entry.failure = message.reason;
      }
    });
    // An error sending to a worker that has just died; its exit is handled below.
    worker.on('error', () => {});
    worker.once('exit', (code, signal) => this.#onExit(slot, entry, code, signal));
    // Every worker listens on the port as given, not as resolved: cluster shares one listening handle per address and
    // port as given, so a replacement's `listen(0)` joins the handle the others hold (a listen on the resolved port
    // would try to bind it again).
    send(worker, { type: 'stytch-like:start', slot });
  }

  #onExit(slot: number, entry: Slot, code: number | null, signal: string | null): void {
    if (this.#state === 'stopping' || this.#slots.get(slot) !== entry) return;
    const how = entry.failure ?? (signal === null ? `exited with code ${code}` : `was killed by ${signal}`);
    if (this.#state === 'starting') {
      this.#settleStart?.(new WorkerPoolError(entry.failure ?? `a worker ${how} before it listened`));
      return;
    }
    const now = Date.now();
    this.#recentExits = [...this.#recentExits.filter((at) => now - at < this.#restart.windowMs), now];
    const exits = this.#recentExits.length;
    if (exits > this.#restart.maxRestarts) {
      const window = `${exits} times in ${this.#restart.windowMs / 1000} s`;
      this.#giveUp?.(new WorkerPoolError(`workers keep exiting (${window}; the last ${how}): stopping`));
      return;
    }
    const delayMs = Math.min(this.#restart.baseDelayMs * 2 ** (exits - 1), this.#restart.maxDelayMs);
    this.#notice(`worker ${slot} (pid ${entry.worker.process.pid}) ${how}; starting another in ${delayMs} ms`);
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      if (this.#state === 'running') this.#fork(slot);
    }, delayMs);
    this.#restartTimers.add(timer);
  }

  #notice(text: string): void {
    this.#options.stderr.write(`${this.#options.bin}: ${text}\n`);
  }
}

function send(worker: Worker, message: ToWorker): void {
  if (worker.isConnected()) worker.send(message);
}

/** What a worker was told to do: its slot, 1 to n (a replacement takes the slot of the worker it replaces). */
export interface WorkerAssignment {
  readonly slot: number;
}

/** The worker's side: its assignment, the shutdown request, and reports to the primary. */
export interface WorkerChannel {
  /** Resolves with the primary's start message. */
  readonly assignment: Promise<WorkerAssignment>;
  /** Resolves when the primary asks the worker to drain, or with `SIGTERM` sent to the worker itself. */
  readonly shutdown: Promise<string>;
  ready(port: number): Promise<void>;
  failed(reason: string): Promise<void>;
}

/**
 * Connects a cluster worker to its primary. Installs the signal handlers at once: SIGINT (a Ctrl-C reaches the whole
 * process group) is left to the primary, which drains every worker; SIGTERM sent to one worker drains that one,
 * and the primary starts another.
 */
export function connectWorker(): WorkerChannel {
  if (!cluster.isWorker) throw new Error('not a cluster worker');
  process.on('SIGINT', () => {});
  const assignment = new Promise<WorkerAssignment>((resolve) => {
    const onMessage = (message: ToWorker) => {
      if (message.type !== 'stytch-like:start') return;
      process.off('message', onMessage);
      resolve({ slot: message.slot });
    };
    process.on('message', onMessage);
  });
  const shutdown = new Promise<string>((resolve) => {
    process.on('message', (message: ToWorker) => {
      if (message.type === 'stytch-like:shutdown') resolve('shutdown');
    });
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const report = (message: FromWorker) =>
    new Promise<void>((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send(message, undefined, {}, () => resolve());
    });
  return {
    assignment,
    shutdown,
    ready: (port) => report({ type: 'stytch-like:ready', port }),
    failed: (reason) => report({ type: 'stytch-like:failed', reason }),
  };
}
