// Deliberately broken providers, one per behaviour the contract guards. Each must make the suite fail.
import {
  SessionTokenError,
  type ActiveSession,
  type AuthenticateOptions,
  type SessionChangeListener,
  type SessionInfo,
  type SessionTokens,
} from '@sessiontoken/core';
import { MemorySessionProvider, type MemoryCredentials, type MemorySessionBackend } from '../src/index.js';

/** Shows the token even while token mode is off. */
export class TokenVisibleWhileDisabled extends MemorySessionProvider {
  override getSessionToken(): string {
    return this.currentSession?.tokens.sessionToken ?? '';
  }
  override getTokens(): SessionTokens | null {
    return this.currentSession?.tokens ?? null;
  }
}

/** Checks only the session id part of a token, never its secret: tampered and truncated tokens get in. */
export class TamperedTokenAccepted extends MemorySessionProvider {
  static readonly issued = new Map<string, string>();
  protected override async openSession(credentials: MemoryCredentials): Promise<ActiveSession> {
    const session = await super.openSession(credentials);
    TamperedTokenAccepted.issued.set(session.tokens.sessionToken.slice(0, 22), session.tokens.sessionToken);
    return session;
  }
  protected override async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    const genuine = TamperedTokenAccepted.issued.get(tokens.sessionToken.slice(0, 22));
    return super.reattachSession(genuine ? { sessionToken: genuine, sessionJwt: null } : tokens);
  }
}

/** Declares server-side revocation but only forgets the token locally. */
export class RevokedTokenAccepted extends MemorySessionProvider {
  protected override async revokeSession(): Promise<void> {}
}

/** Lets an expired session back in. */
export class ExpiredAccepted extends MemorySessionProvider {
  protected override async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    try {
      return await super.reattachSession(tokens);
    } catch (error) {
      if (!(error instanceof SessionTokenError && error.code === 'EXPIRED')) throw error;
      const now = new Date();
      return {
        tokens,
        info: {
          sessionId: 'expired',
          subject: 'expired-user',
          startedAt: now,
          expiresAt: null,
          lastAccessedAt: now,
          attributes: {},
        },
      };
    }
  }
}

/** Lets driver-style errors escape instead of SessionTokenError. */
export class RawErrors extends MemorySessionProvider {
  override async open(credentials: MemoryCredentials): Promise<SessionInfo> {
    try {
      return await super.open(credentials);
    } catch (error) {
      throw new Error(`login failed: ${(error as Error).message}`, { cause: error });
    }
  }
  override setSessionToken(enabled: boolean): void;
  override setSessionToken(token: string | SessionTokens): Promise<SessionInfo>;
  override setSessionToken(value: boolean | string | SessionTokens): void | Promise<SessionInfo> {
    if (typeof value === 'boolean') return super.setSessionToken(value);
    return super.setSessionToken(value).catch((error: unknown) => {
      throw new TypeError(`cannot decode token: ${(error as Error).message}`);
    });
  }
}

/** close() that neither closes nor stops its keep-alive timer. */
export class CloseDoesNotClose extends MemorySessionProvider {
  static readonly leaked = new Set<NodeJS.Timeout>();
  readonly keepAlive = setInterval(() => {}, 1_000);
  constructor(...args: ConstructorParameters<typeof MemorySessionProvider>) {
    super(...args);
    CloseDoesNotClose.leaked.add(this.keepAlive);
  }
  override async close(): Promise<void> {}
}

/** Hands out tokens in standard base64 with padding: not cookie-safe. */
export class TokensNotCookieSafe extends MemorySessionProvider {
  override getTokens(): SessionTokens | null {
    const tokens = super.getTokens();
    return (
      tokens && { ...tokens, sessionToken: `${tokens.sessionToken.replaceAll('-', '+').replaceAll('_', '/')}+/==` }
    );
  }
}

/** Never answers for a token it cannot parse: the suite must call that a hang, not wait forever. */
export class HangsOnGarbage extends MemorySessionProvider {
  protected override reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    if (!tokens.sessionToken.includes('.')) return new Promise(() => {});
    return super.reattachSession(tokens);
  }
}

/** Accepts listeners and never calls them. */
export class SilentOnChange extends MemorySessionProvider {
  override onChange(_listener: SessionChangeListener): () => void {
    return () => {};
  }
}

/** Claims sliding expiry but ignores durationMinutes. */
export class SlidingExpiryIgnored extends MemorySessionProvider {
  protected override authenticateSession(
    session: ActiveSession,
    _options: AuthenticateOptions,
  ): Promise<ActiveSession> {
    return super.authenticateSession(session, {});
  }
}

/** Parallel opens are coalesced into one session: two users share a token. */
export class SharedTokenUnderLoad extends MemorySessionProvider {
  static pending: Promise<ActiveSession> | null = null;
  protected override openSession(credentials: MemoryCredentials): Promise<ActiveSession> {
    SharedTokenUnderLoad.pending ??= super
      .openSession(credentials)
      .finally(() => (SharedTokenUnderLoad.pending = null));
    return SharedTokenUnderLoad.pending;
  }
}

/** Serialises reattaches badly: one at a time, the rest refused as busy. */
export class ReattachRefusedUnderLoad extends MemorySessionProvider {
  static busy = false;
  protected override async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    if (ReattachRefusedUnderLoad.busy) throw new SessionTokenError('UNAVAILABLE', 'busy');
    ReattachRefusedUnderLoad.busy = true;
    try {
      await new Promise((resolve) => setImmediate(resolve));
      return await super.reattachSession(tokens);
    } finally {
      ReattachRefusedUnderLoad.busy = false;
    }
  }
}

/** Runs a reattach like any backend operation, so a refused token also drops the session it already held. */
export class RefusedReattachDropsSession extends MemorySessionProvider {
  override setSessionToken(enabled: boolean): void;
  override setSessionToken(token: string | SessionTokens): Promise<SessionInfo>;
  override setSessionToken(value: boolean | string | SessionTokens): void | Promise<SessionInfo> {
    if (typeof value === 'boolean') return super.setSessionToken(value);
    return this.run(() => super.setSessionToken(value));
  }
}

/** Turns token mode on before it knows whether the reattach succeeds. */
export class RefusedReattachEnablesTokenMode extends MemorySessionProvider {
  override setSessionToken(enabled: boolean): void;
  override setSessionToken(token: string | SessionTokens): Promise<SessionInfo>;
  override setSessionToken(value: boolean | string | SessionTokens): void | Promise<SessionInfo> {
    if (typeof value === 'boolean') return super.setSessionToken(value);
    super.setSessionToken(true);
    return super.setSessionToken(value);
  }
}

/** Hands out the session it holds instead of a copy: a caller's change to a date ends the session. */
export class SessionHandedOutByReference extends MemorySessionProvider {
  override getSession(): SessionInfo | null {
    return this.currentSession?.info ?? null;
  }
}

/** Keeps the token apart from the session, so two racing opens can leave one session's token beside the other's info. */
export class RacingOpensMixTokens extends MemorySessionProvider {
  #tokens: SessionTokens | null = null;
  #opens = 0;
  protected override async openSession(credentials: MemoryCredentials): Promise<ActiveSession> {
    const first = this.#opens++ === 0;
    const session = await super.openSession(credentials);
    this.#tokens = session.tokens;
    // The first open's session lands last, after the second one stored its token.
    if (first) await new Promise((resolve) => setImmediate(resolve));
    return session;
  }
  override getTokens(): SessionTokens | null {
    return super.getTokens() && this.#tokens;
  }
}

/** Copies its listeners on the first event, so unsubscribing afterwards does nothing. */
export class UnsubscribeIgnoredAfterEvents extends MemorySessionProvider {
  override onChange(listener: SessionChangeListener): () => void {
    let fired = false;
    const unsubscribe = super.onChange((event) => {
      fired = true;
      listener(event);
    });
    return () => {
      if (!fired) unsubscribe();
    };
  }
}

/** Passes each listener the session from before the change. */
export class EventsCarryTheOldSession extends MemorySessionProvider {
  override onChange(listener: SessionChangeListener): () => void {
    let previous: SessionInfo | null = null;
    return super.onChange((event) => {
      const stale = previous;
      previous = event.session;
      listener({ reason: event.reason, session: stale });
    });
  }
}

/** Names the refused token in the error message. */
export class TokenInErrorMessage extends MemorySessionProvider {
  protected override async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    try {
      return await super.reattachSession(tokens);
    } catch (error) {
      if (!(error instanceof SessionTokenError)) throw error;
      throw new SessionTokenError(error.code, `refused token ${tokens.sessionToken}`, { adapter: 'memory' });
    }
  }
}

/** Keeps the request, token included, as the error's cause. */
export class TokenInErrorCause extends MemorySessionProvider {
  protected override async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    try {
      return await super.reattachSession(tokens);
    } catch (error) {
      if (!(error instanceof SessionTokenError)) throw error;
      throw new SessionTokenError(error.code, 'refused', {
        adapter: 'memory',
        cause: { request: { token: tokens.sessionToken } },
      });
    }
  }
}

/** Does not know when its sessions end, and keeps a session the backend calls expired. */
export class ExpiredHeldSessionKept extends MemorySessionProvider {
  protected override async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    return withoutExpiry(await super.reattachSession(tokens));
  }
  protected override async authenticateSession(
    session: ActiveSession,
    options: AuthenticateOptions,
  ): Promise<ActiveSession> {
    try {
      return withoutExpiry(await super.authenticateSession(session, options));
    } catch (error) {
      if (error instanceof SessionTokenError && error.code === 'EXPIRED') return session;
      throw error;
    }
  }
}

function withoutExpiry(session: ActiveSession): ActiveSession {
  return { tokens: session.tokens, info: { ...session.info, expiresAt: null } };
}

/** Takes a zero or negative duration for "no extension" instead of refusing it. */
export class DurationNotChecked extends MemorySessionProvider {
  override authenticate(options: AuthenticateOptions = {}): Promise<SessionInfo> {
    const { durationMinutes } = options;
    return super.authenticate(durationMinutes !== undefined && !(durationMinutes > 0) ? {} : options);
  }
}

/** Keeps a session that was revoked through another provider. */
export class RevokedElsewhereKept extends MemorySessionProvider {
  protected override async authenticateSession(
    session: ActiveSession,
    options: AuthenticateOptions,
  ): Promise<ActiveSession> {
    try {
      return await super.authenticateSession(session, options);
    } catch (error) {
      if (error instanceof SessionTokenError && error.code === 'REVOKED') return session;
      throw error;
    }
  }
}

/** Forgets whatever it holds when revoke() ends, even a session reattached meanwhile. */
export class RevokeForgetsTheNewSession extends MemorySessionProvider {
  override async revoke(): Promise<void> {
    await super.revoke();
    if (!this.currentSession) return;
    await this.run(() => Promise.reject(new SessionTokenError('REVOKED', 'forgotten', { adapter: 'memory' }))).catch(
      () => {},
    );
  }
}

/** close() lets work in flight finish first, so it succeeds on a closed provider. */
export class CloseLetsWorkInFlightSucceed extends MemorySessionProvider {
  override async close(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await super.close();
  }
}

/** Says nothing when authenticate() confirms the session. */
export class NoAuthenticatedEvent extends MemorySessionProvider {
  override onChange(listener: SessionChangeListener): () => void {
    return super.onChange((event) => {
      if (event.reason !== 'authenticated') listener(event);
    });
  }
}

/** Hands out fresh but writable copies of the session. */
export class SessionCopiesNotFrozen extends MemorySessionProvider {
  override getSession(): SessionInfo | null {
    const session = super.getSession();
    return session && { ...session, attributes: { ...session.attributes } };
  }
}

/** Reports a session until a round trip finds it expired, though it knows when it ends. */
export class ExpiryOnlyOnRoundTrip extends MemorySessionProvider {
  override getSession(): SessionInfo | null {
    return this.currentSession?.info ?? null;
  }
}

/** Errors that do not say which adapter raised them. */
export class ErrorsWithoutAdapter extends MemorySessionProvider {
  protected override async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    try {
      return await super.reattachSession(tokens);
    } catch (error) {
      if (!(error instanceof SessionTokenError)) throw error;
      throw new SessionTokenError(error.code, 'the token was refused');
    }
  }
}

/** Leaves attributes out of the session it reports. */
export class SessionWithoutAttributes extends MemorySessionProvider {
  override getSession(): SessionInfo | null {
    const session = super.getSession();
    return session && Object.freeze({ ...session, attributes: undefined as never });
  }
}

/** A provider whose session is cookie-managed (`exposesTokens: false`); the test reads its tokens as a jar would. */
export class HiddenTokens extends MemorySessionProvider {
  constructor(backend: MemorySessionBackend) {
    super(backend, { exposesTokens: false });
  }
  /** The tokens a browser's cookie jar would hold for it. */
  heldTokens(): SessionTokens | null {
    return this.currentSession?.tokens ?? null;
  }
}

/** Declares that its tokens are hidden in HttpOnly cookies, yet hands them out. */
export class HiddenTokensShown extends HiddenTokens {
  override getTokens(): SessionTokens | null {
    return this.heldTokens();
  }
  override getSessionToken(): string {
    return this.heldTokens()?.sessionToken ?? '';
  }
}

/** Also announces the end of a session itself when authenticate() finds it expired: the end is reported twice. */
export class ExpiryReportedTwice extends MemorySessionProvider {
  readonly #listeners = new Set<SessionChangeListener>();
  override onChange(listener: SessionChangeListener): () => void {
    this.#listeners.add(listener);
    const unsubscribe = super.onChange(listener);
    return () => {
      this.#listeners.delete(listener);
      unsubscribe();
    };
  }
  override async authenticate(options?: AuthenticateOptions): Promise<SessionInfo> {
    try {
      return await super.authenticate(options);
    } catch (error) {
      if (error instanceof SessionTokenError && error.code === 'EXPIRED')
        for (const listener of this.#listeners) listener({ reason: 'expired', session: null });
      throw error;
    }
  }
}

/** Takes a backend that does not answer for a session that is gone: a network fault ends the user's session. */
export class UnreachableEndsSession extends MemorySessionProvider {
  protected override toSessionTokenError(error: unknown): SessionTokenError {
    const mapped = super.toSessionTokenError(error);
    if (mapped.code !== 'UNAVAILABLE') return mapped;
    return new SessionTokenError('INVALID_TOKEN', 'the session could not be confirmed', { adapter: this.name });
  }
}

/** Reports revoke() as done whatever the backend said, so a revoke the backend never received forgets the session. */
export class RevokeIgnoresFailures extends MemorySessionProvider {
  protected override async revokeSession(session: ActiveSession): Promise<void> {
    await super.revokeSession(session).catch(() => {});
  }
}

/** Freezes the attributes it hands out but not the objects inside them. */
export class NestedAttributesWritable extends MemorySessionProvider {
  override getSession(): SessionInfo | null {
    const session = super.getSession();
    return session && Object.freeze({ ...session, attributes: Object.freeze(structuredClone(session.attributes)) });
  }
}
