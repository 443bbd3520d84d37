import type { SessionInfo, SessionTokenProvider } from '@sessiontoken/core';
import type { ProviderName } from './config.js';

/** What the CLI prints as "the work" a session is for. */
export interface WorkReport {
  readonly title: string;
  readonly lines: readonly string[];
}

/**
 * A backend as the shop sees it: providers, logging in with what the login form posted, and the backend's own work.
 * `provider-factory.ts` makes one; nothing else in the app knows which adapter is behind it.
 */
export interface ShopBackend<Provider extends SessionTokenProvider = SessionTokenProvider> {
  readonly name: ProviderName;
  /** How the login form labels the user field. */
  readonly loginLabel: string;
  /** A user that exists on a fresh backend, shown on the login page, when one is known. */
  readonly demoUser: { readonly login: string; readonly password: string } | null;
  /** A fresh provider; the caller closes it. */
  createProvider(): Provider;
  /** `provider.open(...)` with the backend's credentials built from a login and a password (and first-use setup). */
  logIn(provider: Provider, login: string, password: string): Promise<SessionInfo>;
  /** The name to greet a session's user with. */
  displayName(session: SessionInfo): string;
  /** The work a session is for (the CLI prints it). */
  work(provider: Provider): Promise<WorkReport>;
  /** Releases what the backend holds (stores, pools). */
  close(): Promise<void>;
}
