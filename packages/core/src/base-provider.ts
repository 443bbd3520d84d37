import { SessionTokenError, isSessionTokenError, type SessionTokenErrorCode } from './errors.js';
import { SessionChangeListeners } from './listeners.js';
import type { SessionTokenProvider } from './provider.js';
import { snapshotSessionInfo, snapshotSessionTokens } from './session-snapshot.js';
import { parseSessionTokensInput } from './tokens.js';
import type {
  AuthenticateOptions,
  ProviderCapabilities,
  SessionChangeListener,
  SessionChangeReason,
  SessionInfo,
  SessionTokens,
} from './types.js';

/** A live session as an adapter reports it to {@link BaseSessionTokenProvider}. */
export interface ActiveSession {
  readonly tokens: SessionTokens;
  readonly info: SessionInfo;
}

/** Codes after which the session the provider holds is known to be dead. */
const SESSION_ENDED_CODES: readonly SessionTokenErrorCode[] = ['EXPIRED', 'INVALID_TOKEN', 'REVOKED'];

/**
 * The state machine every adapter shares: token mode, the held session, `onChange`, the closed state,
 * argument checks, and the rule that only `SessionTokenError` leaves a provider.
 *
 * An adapter implements the five backend operations; everything else is here, so all adapters behave alike.
 */
export abstract class BaseSessionTokenProvider<Credentials, OpenOptions = undefined> implements SessionTokenProvider<
  Credentials,
  OpenOptions
> {
  abstract readonly name: string;
  abstract readonly capabilities: ProviderCapabilities;

  #tokenMode = false;
  #closed = false;
  #session: ActiveSession | null = null;
  readonly #listeners = new SessionChangeListeners();

  /** Start a fresh session with credentials; reject with `BAD_CREDENTIALS` when the backend refuses them. */
  protected abstract openSession(credentials: Credentials, options: OpenOptions | undefined): Promise<ActiveSession>;
  /** Validate `tokens` with the backend and return the session they belong to. */
  protected abstract reattachSession(tokens: SessionTokens): Promise<ActiveSession>;
  /** Check (and with `durationMinutes`, extend) `session` with the backend. */
  protected abstract authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession>;
  /** End `session` on the backend where it can; release its connection otherwise. */
  protected abstract revokeSession(session: ActiveSession): Promise<void>;
  /** Release every connection and timer this provider holds. */
  protected abstract releaseResources(): Promise<void>;

  /**
   * Turns an error thrown by a backend operation into a `SessionTokenError`. Adapters override this to map
   * their driver's errors; whatever still is not a `SessionTokenError` becomes `INTERNAL` with the error as `cause`.
   */
  protected toSessionTokenError(error: unknown): SessionTokenError {
    if (error instanceof SessionTokenError) return error;
    return new SessionTokenError('INTERNAL', `unexpected ${describe(error)}`, { cause: error, adapter: this.name });
  }

  open(credentials: Credentials, options?: OpenOptions): Promise<SessionInfo> {
    return this.#guard(false, async () => {
      const session = await this.openSession(credentials, options);
      this.#assertOpen();
      return this.#replace(session, 'opened');
    });
  }

  setSessionToken(enabled: boolean): void;
  setSessionToken(token: string | SessionTokens): Promise<SessionInfo>;
  setSessionToken(value: boolean | string | SessionTokens): void | Promise<SessionInfo> {
    if (typeof value === 'boolean') {
      this.#assertOpen();
      this.#tokenMode = value;
      return;
    }
    // A token that fails to reattach says nothing about the session already held.
    return this.#guard(false, async () => {
      const tokens = parseSessionTokensInput(value, this.name);
      const session = await this.reattachSession(tokens);
      this.#assertOpen();
      this.#tokenMode = true;
      return this.#replace(session, 'reattached');
    });
  }

  getSessionToken(): string {
    return this.getTokens()?.sessionToken ?? '';
  }

  getTokens(): SessionTokens | null {
    const session = this.#live();
    // Tokens held in HttpOnly cookies are the browser's, not this provider's to give out.
    return this.#tokenMode && session && this.capabilities.exposesTokens !== false ? session.tokens : null;
  }

  getSession(): SessionInfo | null {
    const session = this.#live();
    return session && snapshotSessionInfo(session.info);
  }

  authenticate(options: AuthenticateOptions = {}): Promise<SessionInfo> {
    return this.run(async () => {
      if (options.durationMinutes !== undefined) {
        if (!this.capabilities.slidingExpiry) {
          throw new SessionTokenError(
            'NOT_SUPPORTED',
            'this backend cannot extend a session (capabilities.slidingExpiry is false)',
            {
              adapter: this.name,
            },
          );
        }
        if (!Number.isInteger(options.durationMinutes) || options.durationMinutes <= 0) {
          throw new SessionTokenError('INVALID_ARGUMENT', 'durationMinutes must be a positive integer', {
            adapter: this.name,
          });
        }
      }
      const session = this.#require();
      const next = await this.authenticateSession(session, options);
      this.#assertOpen();
      return this.#replace(next, 'authenticated');
    });
  }

  async revoke(): Promise<void> {
    try {
      this.#assertOpen();
      const session = this.#require();
      try {
        await this.revokeSession(session);
      } catch (error) {
        // A session the backend no longer knows is as ended as a revoked one.
        if (!isSessionTokenError(this.toSessionTokenError(error), ...SESSION_ENDED_CODES)) throw error;
      }
      if (this.#session === session) this.#forget('revoked');
    } catch (error) {
      throw this.toSessionTokenError(error);
    }
  }

  onChange(listener: SessionChangeListener): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const hadSession = this.#session !== null;
    this.#session = null;
    try {
      await this.releaseResources();
    } catch (error) {
      throw this.toSessionTokenError(error);
    } finally {
      if (hadSession) this.#listeners.emit({ reason: 'closed', session: null });
      // Stryker disable next-line CallExpression: nothing emits after close() (no session is held and updateSession returns), so this only lets the listeners be collected
      this.#listeners.clear();
    }
  }

  /** True once `close()` was called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** The held session regardless of token mode, or `null`. */
  protected get currentSession(): ActiveSession | null {
    return this.#session;
  }

  /**
   * Runs an adapter operation with the provider's rules: rejects with `CLOSED` after `close()`, converts every
   * error to `SessionTokenError`, and forgets the held session when the backend says it is dead.
   */
  protected run<T>(operation: () => Promise<T>): Promise<T> {
    return this.#guard(true, operation);
  }

  async #guard<T>(forgetOnDeath: boolean, operation: () => Promise<T>): Promise<T> {
    try {
      this.#assertOpen();
      return await operation();
    } catch (error) {
      const mapped = this.toSessionTokenError(error);
      if (forgetOnDeath && isSessionTokenError(mapped, ...SESSION_ENDED_CODES) && this.#session) {
        this.#forget(mapped.code === 'REVOKED' ? 'revoked' : 'expired');
      }
      // Work that close() cut short says so, whatever the backend reported (a socket closed under it, say).
      if (this.#closed && mapped.code !== 'CLOSED') {
        throw new SessionTokenError('CLOSED', 'this provider was closed while the operation ran', {
          adapter: this.name,
          cause: mapped,
        });
      }
      throw mapped;
    }
  }

  /** Returns the held session or rejects with `NO_SESSION`. */
  protected requireSession(): ActiveSession {
    return this.#require();
  }

  /** Replaces the held session, e.g. when the backend renewed the token during a request. */
  protected updateSession(session: ActiveSession, reason: SessionChangeReason = 'renewed'): void {
    if (this.#closed) return;
    this.#replace(session, reason);
  }

  /** Holds a private copy of `session` and returns a snapshot of its info for the caller. */
  #replace(session: ActiveSession, reason: SessionChangeReason): SessionInfo {
    const held: ActiveSession = Object.freeze({
      tokens: snapshotSessionTokens(session.tokens),
      info: snapshotSessionInfo(session.info),
    });
    this.#session = held;
    this.#listeners.emit({ reason, session: snapshotSessionInfo(held.info) });
    return snapshotSessionInfo(held.info);
  }

  #forget(reason: SessionChangeReason): void {
    this.#session = null;
    this.#listeners.emit({ reason, session: null });
  }

  /** The held session unless its known expiry has passed, in which case it is forgotten. */
  #live(): ActiveSession | null {
    return this.#expired() ? null : this.#session;
  }

  /** Forgets the held session when its known expiry has passed; true when it did. */
  #expired(): boolean {
    const expiresAt = this.#session?.info.expiresAt;
    if (!expiresAt || expiresAt.getTime() > Date.now()) return false;
    this.#forget('expired');
    return true;
  }

  /** Returns the held session; rejects with `EXPIRED` when it has just run out, `NO_SESSION` when there is none. */
  #require(): ActiveSession {
    if (this.#expired()) throw new SessionTokenError('EXPIRED', 'the session has expired', { adapter: this.name });
    const session = this.#session;
    if (!session)
      throw new SessionTokenError(
        'NO_SESSION',
        'there is no active session: call open() or setSessionToken(token) first',
        { adapter: this.name },
      );
    return session;
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new SessionTokenError('CLOSED', 'this provider was closed; create a new one', { adapter: this.name });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `throw of ${typeof error}`;
}
