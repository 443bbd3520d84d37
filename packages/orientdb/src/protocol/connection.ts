import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { SessionTokenError } from '@sessiontoken/core';
import { ADAPTER_NAME, malformed } from '../adapter.js';
import { DeadlineTimer } from '../deadline-timer.js';
import { FrameReader, IncomingBytes, type Pull } from './frame-reader.js';
import { DEFAULT_WIRE_LIMITS, type WireLimits } from '../limits.js';
import { MIN_SERVER_PROTOCOL_VERSION, type RequestFrame } from './requests.js';
import { readResponse, type ResponseFrame } from './responses.js';

/** Where and how patiently to talk to one OrientDB server. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Longest wait for the connection, and for each request's answer (queue time included), in milliseconds. */
  readonly timeoutMs: number;
  readonly limits?: WireLimits;
  /** `tls.connect` options for the server's SSL listener; absent or null for plain TCP. */
  readonly tls?: TlsConnectionOptions | null;
}

/** Errors of requests that were rejected before any of their bytes was written: safe to send again elsewhere. */
const NEVER_SENT = new WeakSet<SessionTokenError>();

/** True when `error` rejected a request none of whose bytes reached the socket. */
export function wasNeverSent(error: unknown): boolean {
  return error instanceof SessionTokenError && NEVER_SENT.has(error);
}

function neverSent(error: SessionTokenError): SessionTokenError {
  const copy = new SessionTokenError(error.code, error.message, {
    adapter: ADAPTER_NAME,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
  NEVER_SENT.add(copy);
  return copy;
}

interface Job {
  readonly frame: RequestFrame<unknown>;
  readonly resolve: (response: ResponseFrame<unknown>) => void;
  readonly reject: (error: SessionTokenError) => void;
  /** When the answer must have come (epoch ms), and how long that was from the call, for the message. */
  readonly deadlineAt: number;
  readonly waitMs: number;
  written: boolean;
  parser: Pull<ResponseFrame<unknown>> | null;
  need: number;
}

function unavailable(message: string, cause?: unknown): SessionTokenError {
  return new SessionTokenError(
    'UNAVAILABLE',
    message,
    cause === undefined ? { adapter: ADAPTER_NAME } : { adapter: ADAPTER_NAME, cause },
  );
}

/** Where the bytes a socket reads go: the greeting's reader first, then the connection's. */
interface Receiver {
  deliver: (chunk: Uint8Array) => void;
}

/** The buffer a plain TCP socket reads into: the kernel hands over at most this much per read. */
const READ_BUFFER_BYTES = 64 * 1024;

function timedOut(job: Job): SessionTokenError {
  return unavailable(`OrientDB did not answer within ${job.waitMs} ms`);
}

/**
 * One socket to an OrientDB server speaking the legacy binary protocol. Requests are queued and sent one at a time
 * (the answers carry no request id, so order is the only link between a request and its answer); each has a time limit.
 * A malformed answer fails the connection with `PROTOCOL`; a reset, refusal or timeout with `UNAVAILABLE`.
 */
export class OrientDBConnection {
  readonly #socket: Socket;
  readonly #input = new IncomingBytes();
  readonly #limits: WireLimits;
  readonly #timeoutMs: number;
  readonly #queue: Job[] = [];
  readonly #closed: Promise<void>;
  #active: Job | null = null;
  #failure: SessionTokenError | null = null;
  /** One timer for the deadlines of every request of the connection. */
  readonly #deadlines = new DeadlineTimer((now) => this.#timeOut(now));

  private constructor(socket: Socket, options: ConnectionOptions, closed: Promise<void>, receiver: Receiver) {
    this.#socket = socket;
    this.#limits = options.limits ?? DEFAULT_WIRE_LIMITS;
    this.#timeoutMs = options.timeoutMs;
    this.#closed = closed;
    receiver.deliver = (chunk) => this.#onData(chunk);
    socket.on('error', (error) =>
      this.#fail(unavailable(`connection to ${options.host}:${options.port} failed: ${error.message}`, error)),
    );
    socket.on('close', () => this.#fail(unavailable(`connection to ${options.host}:${options.port} closed`)));
  }

  /** Opens a socket and reads the server's protocol version, all before `deadlineAt` (default: `timeoutMs` from now). */
  static open(options: ConnectionOptions, deadlineAt = Date.now() + options.timeoutMs): Promise<OrientDBConnection> {
    return new Promise((resolve, reject) => {
      const waitMs = Math.max(0, deadlineAt - Date.now());
      const receiver: Receiver = { deliver: () => undefined };
      // A TLS socket greets only after the handshake, so every wait below (and its deadline) covers the handshake too.
      const socket = options.tls
        ? connectTls({ ...options.tls, host: options.host, port: options.port })
        : connect({
            host: options.host,
            port: options.port,
            // Read into one buffer of the connection's own (copied out at once) rather than through the stream's
            // 'data' events: no buffer allocated and no stream machinery per read.
            onread: {
              buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
              callback: (length, buffer) => {
                receiver.deliver(buffer.subarray(0, length));
                return true;
              },
            },
          });
      if (options.tls) socket.on('data', (chunk: Buffer) => receiver.deliver(chunk));
      socket.setNoDelay(true);
      const closed = new Promise<void>((resolveClosed) => socket.once('close', () => resolveClosed()));
      const greeting: number[] = [];
      const settle = (error: SessionTokenError | null): void => {
        clearTimeout(timer);
        receiver.deliver = () => undefined;
        socket.off('error', onError);
        socket.off('close', onClose);
        if (error) {
          // A late socket error after giving up must not become an uncaught exception.
          socket.on('error', () => undefined);
          socket.destroy();
          // Settle only once the socket is gone, so a failed open leaves no handle behind.
          void closed.then(() => reject(error));
          return;
        }
        const connection = new OrientDBConnection(socket, options, closed, receiver);
        const rest = greeting.slice(2);
        if (rest.length > 0) connection.#onData(Uint8Array.from(rest));
        resolve(connection);
      };
      const onData = (chunk: Uint8Array): void => {
        greeting.push(...chunk.subarray(0, 64));
        if (chunk.length > 64) return settle(malformed('greeting: the server talked before it was asked'));
        if (greeting.length < 2) return;
        const version = ((greeting[0]! << 24) | (greeting[1]! << 16)) >> 16;
        if (version < MIN_SERVER_PROTOCOL_VERSION) {
          settle(
            malformed(
              `greeting: server protocol ${version}; this client needs ${MIN_SERVER_PROTOCOL_VERSION} or later (OrientDB 2.2+)`,
            ),
          );
          return;
        }
        settle(null);
      };
      const onError = (error: Error): void =>
        settle(
          unavailable(
            `cannot connect to OrientDB at ${options.host}:${options.port}${options.tls ? ' over TLS' : ''}: ${error.message}`,
            error,
          ),
        );
      const onClose = (): void =>
        settle(unavailable(`OrientDB at ${options.host}:${options.port} closed the connection before greeting`));
      const timer = setTimeout(
        () => settle(unavailable(`OrientDB at ${options.host}:${options.port} did not answer within ${waitMs} ms`)),
        waitMs,
      );
      receiver.deliver = onData;
      socket.on('error', onError);
      socket.on('close', onClose);
    });
  }

  /** Resolves once the socket is closed, by either side or by a failure. */
  get whenClosed(): Promise<void> {
    return this.#closed;
  }

  /** False once the socket failed or was closed; a closed connection is never reused. */
  get isOpen(): boolean {
    return this.#failure === null;
  }

  /**
   * Sends `frame` after every request queued before it, and resolves with the server's answer (or its error frame).
   * Rejects with `UNAVAILABLE` when the connection fails or the answer does not come before `deadlineAt` (default:
   * `timeoutMs` from now; one caller's deadline covers all of its steps), and with `PROTOCOL` when the answer cannot
   * be parsed. A rejection for which {@link wasNeverSent} is true wrote no byte of the request.
   */
  send<T>(frame: RequestFrame<T>, deadlineAt = Date.now() + this.#timeoutMs): Promise<ResponseFrame<T>> {
    if (this.#failure) return Promise.reject(neverSent(this.#failure));
    return new Promise<ResponseFrame<T>>((resolve, reject) => {
      const job: Job = {
        frame: frame,
        resolve: resolve as (response: ResponseFrame<unknown>) => void,
        reject,
        deadlineAt,
        waitMs: Math.max(0, deadlineAt - Date.now()),
        parser: null,
        need: 0,
        written: false,
      };
      this.#queue.push(job);
      this.#deadlines.watch(deadlineAt);
      if (!this.#active) this.#next();
    });
  }

  /** Destroys the socket and resolves once it is closed; pending requests reject with `UNAVAILABLE`. Idempotent. */
  async close(): Promise<void> {
    this.#fail(unavailable('the connection was closed'));
    await this.#closed;
  }

  /** Writes a last request nobody answers (DB_CLOSE), then ends the socket; resolves once it is closed. */
  async closeWith(frame: RequestFrame<void>): Promise<void> {
    if (this.#failure === null && this.#active === null && this.#queue.length === 0) {
      this.#socket.end(frame.bytes);
      const timer = setTimeout(() => this.#socket.destroy(), this.#timeoutMs);
      await this.#closed;
      clearTimeout(timer);
    }
    await this.close();
  }

  #next(): void {
    const job = this.#queue.shift();
    if (!job) return;
    this.#active = job;
    job.written = true;
    this.#socket.write(job.frame.bytes);
    const readBody = job.frame.readBody;
    if (readBody === null) {
      // No answer will come: the request is done once written; the server closes the session on its side.
      this.#finish(job, { ok: true, value: undefined, renewedToken: null });
      return;
    }
    job.parser = readResponse(
      new FrameReader(this.#input, this.#limits),
      job.frame.sessionId,
      job.frame.tokenInResponseHeader,
      readBody,
    );
    this.#advance(job);
  }

  #onData(chunk: Uint8Array): void {
    if (this.#failure) return;
    if (!this.#active) {
      this.#fail(malformed('frame: the server sent bytes nobody asked for'));
      return;
    }
    if (this.#input.available + chunk.length > this.#limits.maxFrameBytes + 65_536) {
      this.#fail(malformed(`frame: more than ${this.#limits.maxFrameBytes} bytes buffered`));
      return;
    }
    this.#input.push(chunk);
    this.#advance(this.#active);
  }

  #advance(job: Job): void {
    const parser = job.parser;
    if (!parser || this.#input.available < job.need) return;
    try {
      let step = parser.next();
      while (!step.done && this.#input.available >= step.value) step = parser.next();
      if (!step.done) {
        job.need = step.value;
        return;
      }
      if (this.#input.available > 0) throw malformed(`frame: ${this.#input.available} bytes after the answer`);
      this.#finish(job, step.value);
    } catch (error) {
      this.#fail(error instanceof SessionTokenError ? error : malformed('frame', error));
    }
  }

  #finish(job: Job, response: ResponseFrame<unknown>): void {
    this.#active = null;
    job.resolve(response);
    if (this.#failure === null) this.#next();
  }

  /** Times out every request whose deadline passed; returns the earliest deadline left. */
  #timeOut(now: number): number {
    if (this.#failure) return Infinity;
    const active = this.#active;
    if (active !== null && active.deadlineAt <= now) {
      // The answer may still arrive and would be read as the next one's: the socket cannot be trusted any more.
      this.#fail(timedOut(active));
      return Infinity;
    }
    let next = active?.deadlineAt ?? Infinity;
    const queue = this.#queue;
    for (let i = 0; i < queue.length;) {
      const job = queue[i]!;
      if (job.deadlineAt <= now) {
        queue.splice(i, 1);
        job.reject(neverSent(timedOut(job)));
      } else {
        next = Math.min(next, job.deadlineAt);
        i++;
      }
    }
    return next;
  }

  #fail(error: SessionTokenError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#deadlines.cancel();
    this.#input.clear();
    const pending = this.#active ? [this.#active, ...this.#queue] : [...this.#queue];
    this.#active = null;
    this.#queue.length = 0;
    for (const job of pending) {
      job.parser?.return(undefined as never);
      job.reject(job.written ? error : neverSent(error));
    }
    this.#socket.destroy();
  }
}
