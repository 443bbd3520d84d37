import {
  BaseSessionTokenProvider,
  type ActiveSession,
  type AuthenticateOptions,
  type ProviderCapabilities,
  type SessionTokens,
} from '@sessiontoken/core';
import { type MemorySessionBackend, type MemorySessionRecord } from './memory-backend.js';

/** Credentials of the reference provider. */
export interface MemoryCredentials {
  readonly username: string;
  readonly password: string;
}

/** Options for {@link MemorySessionProvider}. */
export interface MemorySessionProviderOptions {
  /** Whether `authenticate({ durationMinutes })` extends sessions. Default true. */
  readonly slidingExpiry?: boolean;
  /**
   * Whether `getTokens()` gives the tokens. `false` makes it behave like a browser provider whose session lives in
   * HttpOnly cookies (`getTokens()` is `null` with a live session), to test code written for one. Default true.
   */
  readonly exposesTokens?: boolean;
}

/**
 * The reference provider: a complete, correct `SessionTokenProvider` over a {@link MemorySessionBackend}.
 * It passes the contract suite and is meant for your own unit tests of code that takes a provider.
 *
 * @example
 * const backend = new MemorySessionBackend();
 * backend.addUser('ada', 'correct horse');
 * const provider = new MemorySessionProvider(backend);
 * await provider.open({ username: 'ada', password: 'correct horse' });
 */
export class MemorySessionProvider extends BaseSessionTokenProvider<MemoryCredentials> {
  readonly name: string = 'memory';
  readonly capabilities: ProviderCapabilities;

  /** `slidingExpiry: false` makes it a backend that cannot extend sessions, to test code written for one. */
  constructor(
    readonly backend: MemorySessionBackend,
    options: MemorySessionProviderOptions = {},
  ) {
    super();
    this.capabilities = Object.freeze({
      jwt: false,
      serverRevocation: true,
      slidingExpiry: options.slidingExpiry ?? true,
      statelessReattach: true,
      tokenRenewal: false,
      exposesTokens: options.exposesTokens ?? true,
    });
  }

  protected async openSession(credentials: MemoryCredentials): Promise<ActiveSession> {
    await Promise.resolve();
    const { token, record } = this.backend.login(credentials.username, credentials.password);
    return toActiveSession(token, record);
  }

  protected async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    await Promise.resolve();
    return toActiveSession(tokens.sessionToken, this.backend.authenticate(tokens.sessionToken));
  }

  protected async authenticateSession(session: ActiveSession, options: AuthenticateOptions): Promise<ActiveSession> {
    await Promise.resolve();
    const token = session.tokens.sessionToken;
    return toActiveSession(token, this.backend.authenticate(token, options));
  }

  protected async revokeSession(session: ActiveSession): Promise<void> {
    await Promise.resolve();
    this.backend.revoke(session.tokens.sessionToken);
  }

  protected async releaseResources(): Promise<void> {}
}

function toActiveSession(token: string, record: MemorySessionRecord): ActiveSession {
  return {
    tokens: { sessionToken: token, sessionJwt: null },
    info: {
      sessionId: record.sessionId,
      subject: record.subject,
      startedAt: record.startedAt,
      expiresAt: new Date(record.expiresAt),
      lastAccessedAt: new Date(record.lastAccessedAt),
      attributes: record.attributes,
    },
  };
}
