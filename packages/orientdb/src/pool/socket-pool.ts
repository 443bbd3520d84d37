import { SessionTokenError } from '@sessiontoken/core';
import { OrientDBConnection, type ConnectionOptions } from '../protocol/connection.js';
import { ADAPTER_NAME } from '../adapter.js';
import { DeadlineTimer } from '../deadline-timer.js';

interface Waiter {
  readonly resolve: (connection: OrientDBConnection) => void;
  readonly reject: (error: SessionTokenError) => void;
  readonly deadlineAt: number;
}

/** How many sockets a pool holds and who waits for one. */
export interface SocketPoolStats {
  /** Sockets open or being opened. */
  readonly sockets: number;
  /** Open sockets nobody borrowed. */
  readonly idle: number;
  /** Callers waiting for a socket. */
  readonly waiting: number;
}

function unavailable(message: string): SessionTokenError {
  return new SessionTokenError('UNAVAILABLE', message, { adapter: ADAPTER_NAME });
}

function closedError(): SessionTokenError {
  return new SessionTokenError('CLOSED', 'the OrientDB session pool was closed', { adapter: ADAPTER_NAME });
}

/**
 * At most `maxSockets` sockets to one server, lent one caller at a time (one server thread reads a socket's requests
 * in turn, so a second request on a busy socket would only wait there). Callers beyond that wait in a bounded queue
 * until their deadline. A socket that fails is dropped, and `onSocketLost` hears of it.
 */
export class SocketPool {
  readonly #endpoint: ConnectionOptions;
  readonly #maxSockets: number;
  readonly #maxWaiting: number;
  readonly #onSocketLost: () => void;
  readonly #all = new Set<OrientDBConnection>();
  readonly #idle: OrientDBConnection[] = [];
  readonly #lent = new Set<OrientDBConnection>();
  readonly #waiters: Waiter[] = [];
  /** Sockets being opened: they count against `maxSockets`, and `close()` waits for them. */
  readonly #openings = new Set<Promise<OrientDBConnection>>();
  /** Healthy sockets the pool itself closed: their closing loses no session. */
  readonly #closedByPool = new WeakSet<OrientDBConnection>();
  /** One timer for every waiter's deadline. */
  readonly #deadlines = new DeadlineTimer((now) => this.#expireWaiters(now));
  #closed = false;
  /** Resolves when the last lent socket comes back (for `close()`). */
  #drained: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(endpoint: ConnectionOptions, maxSockets: number, maxWaiting: number, onSocketLost: () => void) {
    this.#endpoint = endpoint;
    this.#maxSockets = maxSockets;
    this.#maxWaiting = maxWaiting;
    this.#onSocketLost = onSocketLost;
  }

  get stats(): SocketPoolStats {
    return { sockets: this.#all.size + this.#openings.size, idle: this.#idle.length, waiting: this.#waiters.length };
  }

  /** Lends an open socket: an idle one, a new one while under `maxSockets`, or the next one returned before `deadlineAt`. */
  acquire(deadlineAt: number): Promise<OrientDBConnection> {
    if (this.#closed) return Promise.reject(closedError());
    const idle = this.#takeIdle();
    if (idle) return Promise.resolve(this.#lend(idle));
    if (this.#all.size + this.#openings.size < this.#maxSockets) return this.#openFor(deadlineAt);
    if (this.#waiters.length >= this.#maxWaiting) {
      return Promise.reject(
        unavailable(`all ${this.#maxSockets} OrientDB sockets are busy and ${this.#maxWaiting} callers already wait`),
      );
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject, deadlineAt });
      this.#deadlines.watch(deadlineAt);
    });
  }

  /** Takes a lent socket back; a failed one is dropped and its place offered to the next waiter. */
  release(connection: OrientDBConnection): void {
    if (!this.#lent.delete(connection)) return;
    if (this.#closed || !connection.isOpen) {
      // Now, not at the close event: the caller may retry at once, and must not reuse a lost session id meanwhile.
      if (!this.#closed && !connection.isOpen) this.#onSocketLost();
      this.#drop(connection);
    } else {
      const waiter = this.#waiters.shift();
      if (waiter) {
        waiter.resolve(this.#lend(connection));
        return;
      }
      this.#idle.push(connection);
    }
    this.#serveWaiters();
    if (this.#lent.size === 0) this.#drained?.resolve();
  }

  /**
   * Refuses new callers (`CLOSED`), rejects the waiting ones, lets lent sockets finish their request (each has a
   * deadline), then closes every socket. Resolves once all are closed. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#deadlines.cancel();
      for (const waiter of this.#waiters.splice(0)) waiter.reject(closedError());
    }
    // A socket still connecting is closed by its opener once it sees the pool closed.
    await Promise.allSettled([...this.#openings]);
    if (this.#lent.size > 0) {
      if (!this.#drained) {
        let resolve = (): void => undefined;
        const promise = new Promise<void>((done) => (resolve = done));
        this.#drained = { promise, resolve };
      }
      await this.#drained.promise;
    }
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((connection) => connection.close()));
    this.#all.clear();
  }

  /** Rejects every waiter whose deadline passed; returns the earliest deadline left. */
  #expireWaiters(now: number): number {
    let next = Infinity;
    const waiters = this.#waiters;
    for (let i = 0; i < waiters.length;) {
      const waiter = waiters[i]!;
      if (waiter.deadlineAt <= now) {
        waiters.splice(i, 1);
        waiter.reject(unavailable(`no OrientDB socket became free in time (all ${this.#maxSockets} busy)`));
      } else {
        next = Math.min(next, waiter.deadlineAt);
        i++;
      }
    }
    return next;
  }

  #takeIdle(): OrientDBConnection | null {
    // Most recently used first: it is the warmest, and the rest may stay idle.
    for (let connection = this.#idle.pop(); connection; connection = this.#idle.pop()) {
      if (connection.isOpen) return connection;
      this.#drop(connection);
    }
    return null;
  }

  #lend(connection: OrientDBConnection): OrientDBConnection {
    this.#lent.add(connection);
    return connection;
  }

  #openFor(deadlineAt: number): Promise<OrientDBConnection> {
    const opening = this.#open(deadlineAt);
    this.#openings.add(opening);
    const settled = (): void => {
      this.#openings.delete(opening);
      this.#serveWaiters();
    };
    opening.then(settled, settled);
    return opening;
  }

  async #open(deadlineAt: number): Promise<OrientDBConnection> {
    const connection = await OrientDBConnection.open(this.#endpoint, deadlineAt);
    this.#all.add(connection);
    void connection.whenClosed.then(() => this.#onClosed(connection));
    if (this.#closed) {
      this.#all.delete(connection);
      await connection.close();
      throw closedError();
    }
    return this.#lend(connection);
  }

  /** A socket closed: unless the pool closed it, the server may have lost every session it carried. */
  #onClosed(connection: OrientDBConnection): void {
    if (!this.#closed && !this.#closedByPool.has(connection)) this.#onSocketLost();
    if (!this.#lent.has(connection)) this.#drop(connection);
  }

  #drop(connection: OrientDBConnection): void {
    if (!this.#all.delete(connection)) return;
    if (connection.isOpen) this.#closedByPool.add(connection);
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
    void connection.close();
  }

  /** Opens sockets for waiters while there is room (after a socket was dropped or an open failed). */
  #serveWaiters(): void {
    while (!this.#closed && this.#waiters.length > 0 && this.#all.size + this.#openings.size < this.#maxSockets) {
      const waiter = this.#waiters.shift()!;
      this.#openFor(waiter.deadlineAt).then(waiter.resolve, waiter.reject);
    }
  }
}
