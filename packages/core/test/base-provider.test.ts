import { describe, expect, it, vi } from 'vitest';
import {
  BaseSessionTokenProvider,
  SessionTokenError,
  type ActiveSession,
  type AuthenticateOptions,
  type ProviderCapabilities,
  type SessionChangeEvent,
  type SessionTokens,
} from '../src/index.js';

/** A pure in-process adapter: enough to exercise the shared state machine. */
class TableProvider extends BaseSessionTokenProvider<{ user: string }> {
  readonly name = 'table';
  readonly capabilities: ProviderCapabilities = {
    jwt: false,
    serverRevocation: true,
    slidingExpiry: false,
    statelessReattach: true,
    tokenRenewal: false,
  };
  released = 0;
  failWith: unknown = null;

  constructor(
    readonly table: Map<string, ActiveSession>,
    readonly ttlMs = 60_000,
  ) {
    super();
  }

  protected async openSession({ user }: { user: string }): Promise<ActiveSession> {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the tests throw non-Error values on purpose
    if (this.failWith) throw this.failWith;
    if (user === 'nobody') throw new SessionTokenError('BAD_CREDENTIALS', 'unknown user');
    const token = `t${this.table.size + 1}`;
    const session: ActiveSession = {
      tokens: { sessionToken: token, sessionJwt: null },
      info: {
        sessionId: token,
        subject: user,
        startedAt: new Date(),
        expiresAt: new Date(Date.now() + this.ttlMs),
        lastAccessedAt: null,
        attributes: {},
      },
    };
    this.table.set(token, session);
    return session;
  }
  protected async reattachSession(tokens: SessionTokens): Promise<ActiveSession> {
    this.reattached++;
    const session = this.table.get(tokens.sessionToken);
    if (!session) throw new SessionTokenError('INVALID_TOKEN', 'unknown token');
    return session;
  }
  protected async authenticateSession(session: ActiveSession, _options: AuthenticateOptions): Promise<ActiveSession> {
    return this.reattachSession(session.tokens);
  }
  protected async revokeSession(session: ActiveSession): Promise<void> {
    await this.revokeGate;
    this.table.delete(session.tokens.sessionToken);
  }
  protected async releaseResources(): Promise<void> {
    this.released++;
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the tests throw non-Error values on purpose
    if (this.failReleaseWith) throw this.failReleaseWith;
  }

  failReleaseWith: unknown = null;
  /** Backend reattaches so far. */
  reattached = 0;
  /** What revokeSession() waits for before it answers. */
  revokeGate: Promise<void> = Promise.resolve();

  /** An operation of the adapter's own (a query): needs the session and may come back with a renewed token. */
  query(renewedToken?: string): Promise<string> {
    return this.run(async () => {
      const session = this.requireSession();
      if (renewedToken) this.renew(renewedToken);
      return session.info.subject;
    });
  }

  /** The backend handed out `token` for the held session (as OrientDB does in a response header). */
  renew(token: string): void {
    const info = this.currentSession?.info;
    this.updateSession({
      tokens: { sessionToken: token, sessionJwt: null },
      info: {
        sessionId: token,
        subject: info?.subject ?? 'ada',
        startedAt: null,
        expiresAt: null,
        lastAccessedAt: null,
        attributes: {},
      },
    });
  }

  /** What the adapter itself sees of the base class's state. */
  state(): { closed: boolean; held: string | null } {
    return { closed: this.closed, held: this.currentSession?.tokens.sessionToken ?? null };
  }
}

describe('BaseSessionTokenProvider', () => {
  it('hides the token until token mode is on, and hides it again when turned off', async () => {
    const provider = new TableProvider(new Map());
    await provider.open({ user: 'ada' });
    expect(provider.getSessionToken()).toBe('');
    expect(provider.getTokens()).toBeNull();
    expect(provider.getSession()?.subject).toBe('ada');
    provider.setSessionToken(true);
    expect(provider.getSessionToken()).toBe('t1');
    expect(provider.getTokens()).toEqual({ sessionToken: 't1', sessionJwt: null });
    provider.setSessionToken(false);
    expect(provider.getSessionToken()).toBe('');
  });

  it('gives no token with a live session when the capabilities say tokens are not exposed (HttpOnly cookies)', async () => {
    class CookieManaged extends TableProvider {
      override readonly capabilities: ProviderCapabilities = {
        ...new TableProvider(new Map()).capabilities,
        exposesTokens: false,
      };
    }
    const table = new Map<string, ActiveSession>();
    const provider = new CookieManaged(table);
    provider.setSessionToken(true);
    await provider.open({ user: 'ada' });
    expect(provider.getSession()?.subject).toBe('ada');
    expect(provider.getTokens()).toBeNull();
    expect(provider.getSessionToken()).toBe('');
    // The same provider declaring exposed tokens gives them (the check can fail).
    const exposed = new TableProvider(table);
    exposed.setSessionToken(true);
    await exposed.open({ user: 'ada' });
    expect(exposed.getSessionToken()).toBe('t2');
  });

  it('wraps a raw error from an adapter as INTERNAL, keeping it as cause', async () => {
    const provider = new TableProvider(new Map());
    const raw = new TypeError('boom');
    provider.failWith = raw;
    const error = await provider.open({ user: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionTokenError);
    expect(error).toMatchObject({ code: 'INTERNAL', cause: raw });
  });

  it('says what an adapter threw in the INTERNAL message, Error or not', async () => {
    const provider = new TableProvider(new Map());
    provider.failWith = new RangeError('out of range');
    await expect(provider.open({ user: 'ada' })).rejects.toMatchObject({
      code: 'INTERNAL',
      adapter: 'table',
      message: 'table: unexpected RangeError: out of range',
    });
    provider.failWith = 'a string';
    await expect(provider.open({ user: 'ada' })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'table: unexpected throw of string',
      cause: 'a string',
    });
  });

  it('keeps the held session when open() fails, whatever the code', async () => {
    const provider = new TableProvider(new Map());
    await provider.open({ user: 'ada' });
    for (const code of ['EXPIRED', 'INVALID_TOKEN', 'REVOKED', 'UNAVAILABLE'] as const) {
      provider.failWith = new SessionTokenError(code, 'the login failed');
      await expect(provider.open({ user: 'bob' })).rejects.toMatchObject({ code });
      expect(provider.getSession()?.subject).toBe('ada');
    }
  });

  it("gives an adapter's own operations the held session, and a token renewed meanwhile replaces it as renewed", async () => {
    const provider = new TableProvider(new Map());
    await expect(provider.query()).rejects.toMatchObject({ code: 'NO_SESSION', adapter: 'table' });
    const events: SessionChangeEvent[] = [];
    provider.onChange((event) => events.push(event));
    await provider.open({ user: 'ada' });
    expect(provider.state()).toEqual({ closed: false, held: 't1' });
    await expect(provider.query('t1-renewed')).resolves.toBe('ada');
    expect(events.map((e) => [e.reason, e.session?.sessionId])).toEqual([
      ['opened', 't1'],
      ['renewed', 't1-renewed'],
    ]);
    // The adapter sees the held session whatever the token mode; the caller sees the renewed token once it is on.
    expect(provider.state()).toEqual({ closed: false, held: 't1-renewed' });
    provider.setSessionToken(true);
    expect(provider.getSessionToken()).toBe('t1-renewed');
    expect(provider.getSession()?.sessionId).toBe('t1-renewed');
  });

  it('ignores a renewal that arrives after close()', async () => {
    const provider = new TableProvider(new Map());
    await provider.open({ user: 'ada' });
    const events: SessionChangeEvent[] = [];
    provider.onChange((event) => events.push(event));
    await provider.close();
    expect(provider.state()).toEqual({ closed: true, held: null });
    // As a response read after close() would report it.
    provider.renew('t1-renewed');
    expect(provider.getSession()).toBeNull();
    expect(provider.state().held).toBeNull();
    expect(events.map((e) => e.reason)).toEqual(['closed']);
  });

  it('rejects close() with a SessionTokenError when releasing fails, and is closed all the same', async () => {
    const provider = new TableProvider(new Map());
    await provider.open({ user: 'ada' });
    const events: string[] = [];
    provider.onChange((event) => events.push(event.reason));
    const raw = new Error('socket already destroyed');
    provider.failReleaseWith = raw;
    await expect(provider.close()).rejects.toMatchObject({ code: 'INTERNAL', cause: raw });
    expect(events).toEqual(['closed']);
    expect(provider.getSession()).toBeNull();
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('after close() rejects at once, without a backend call, and says once that it was closed', async () => {
    const table = new Map<string, ActiveSession>();
    const provider = new TableProvider(table);
    await provider.close();
    for (const attempt of [() => provider.open({ user: 'ada' }), () => provider.setSessionToken('t1')]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CLOSED', message: 'table: this provider was closed; create a new one' });
      // Not a CLOSED error wrapped in another one.
      expect((error as Error).cause).toBeUndefined();
    }
    expect(table.size).toBe(0);
    expect(provider.reattached).toBe(0);
  });

  it('keeps a session reattached while revoke() of the one before was still waiting for the backend', async () => {
    const table = new Map<string, ActiveSession>();
    const provider = new TableProvider(table);
    await new TableProvider(table).open({ user: 'bob' });
    await provider.open({ user: 'ada' });
    let answer!: () => void;
    provider.revokeGate = new Promise<void>((resolve) => (answer = resolve));
    const revoked = provider.revoke();
    await expect(provider.setSessionToken('t1')).resolves.toMatchObject({ subject: 'bob' });
    answer();
    await revoked;
    expect(provider.getSession()?.subject).toBe('bob');
    expect(provider.getSessionToken()).toBe('t1');
  });

  it('rejects with NO_SESSION, NOT_SUPPORTED and INVALID_ARGUMENT before any backend call', async () => {
    const provider = new TableProvider(new Map());
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'NO_SESSION' });
    await expect(provider.revoke()).rejects.toMatchObject({ code: 'NO_SESSION' });
    await provider.open({ user: 'ada' });
    await expect(provider.authenticate({ durationMinutes: 10 })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('keeps the previous session when a reattach fails', async () => {
    const provider = new TableProvider(new Map());
    await provider.open({ user: 'ada' });
    await expect(provider.setSessionToken('nope')).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    expect(provider.getSession()?.subject).toBe('ada');
  });

  it('forgets a session the backend calls dead and says so through onChange', async () => {
    const table = new Map<string, ActiveSession>();
    const provider = new TableProvider(table);
    const events: SessionChangeEvent[] = [];
    provider.onChange((event) => events.push(event));
    await provider.open({ user: 'ada' });
    table.clear();
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
    expect(provider.getSession()).toBeNull();
    expect(events.map((e) => e.reason)).toEqual(['opened', 'expired']);
  });

  it('forgets a session whose known expiry has passed without a round trip', async () => {
    const provider = new TableProvider(new Map(), -1);
    await provider.open({ user: 'ada' });
    provider.setSessionToken(true);
    expect(provider.getSessionToken()).toBe('');
    expect(provider.getSession()).toBeNull();
  });

  it('counts a session as over at the very millisecond of its expiresAt', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const provider = new TableProvider(new Map(), 0);
      await provider.open({ user: 'ada' });
      expect(provider.getSession()).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects authenticate() with EXPIRED once the known expiry has passed, and forgets the session', async () => {
    const provider = new TableProvider(new Map(), -1);
    const events: SessionChangeEvent[] = [];
    provider.onChange((event) => events.push(event));
    await provider.open({ user: 'ada' });
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'EXPIRED' });
    expect(events).toEqual([expect.objectContaining({ reason: 'opened' }), { reason: 'expired', session: null }]);
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'NO_SESSION' });
  });

  it('hands out snapshots: changing what getSession(), getTokens(), open() or an event gave changes nothing held', async () => {
    const provider = new TableProvider(new Map());
    const seen: SessionChangeEvent[] = [];
    provider.onChange((event) => seen.push(event));
    const opened = await provider.open({ user: 'ada' });
    provider.setSessionToken(true);
    const expiresAt = provider.getSession()!.expiresAt!.getTime();
    for (const info of [opened, provider.getSession()!, seen[0]!.session!]) {
      info.expiresAt!.setTime(0);
      expect(() => Object.assign(info, { subject: 'mallory' })).toThrow(TypeError);
    }
    expect(() => Object.assign(provider.getTokens()!, { sessionToken: 'forged' })).toThrow(TypeError);
    expect(provider.getSession()).toMatchObject({ subject: 'ada', expiresAt: new Date(expiresAt) });
    expect(provider.getSessionToken()).toBe('t1');
  });

  it('freezes nested attributes in every copy it hands out', async () => {
    const table = new Map<string, ActiveSession>();
    const provider = new TableProvider(table);
    await provider.open({ user: 'ada' });
    const held = table.get('t1')!;
    table.set('t1', {
      ...held,
      info: { ...held.info, attributes: { roles: ['admin'], claims: { team: { id: 7 } }, note: null } },
    });
    await provider.authenticate();
    const { attributes } = provider.getSession()!;
    expect(
      Object.isFrozen(attributes['roles']) && Object.isFrozen((attributes['claims'] as { team: object }).team),
    ).toBe(true);
    expect(() => (attributes['roles'] as string[]).push('root')).toThrow(TypeError);
    expect(provider.getSession()!.attributes).toEqual({ roles: ['admin'], claims: { team: { id: 7 } }, note: null });
  });

  it('copies flat attributes as well: a frozen copy, not the held object, own keys such as __proto__ kept', async () => {
    const table = new Map<string, ActiveSession>();
    const provider = new TableProvider(table);
    await provider.open({ user: 'ada' });
    const held = table.get('t1')!;
    const attributes: Record<string, unknown> = { database: 'shop', version: 3, admin: false, note: null };
    Object.defineProperty(attributes, '__proto__', { value: 'kept', enumerable: true, writable: true });
    table.set('t1', { ...held, info: { ...held.info, attributes } });
    await provider.authenticate();
    const copy = provider.getSession()!.attributes;
    expect(copy).not.toBe(attributes);
    expect(Object.isFrozen(copy)).toBe(true);
    expect({ ...copy }).toEqual({ database: 'shop', version: 3, admin: false, note: null, ['__proto__']: 'kept' });
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toBe('kept');
    attributes['database'] = 'other';
    expect(provider.getSession()!.attributes['database']).toBe('shop');
  });

  it('refuses attributes that cannot be copied (a function, a symbol) with INTERNAL, as structuredClone does', async () => {
    for (const value of [() => 'code', Symbol('s')]) {
      const table = new Map<string, ActiveSession>();
      const provider = new TableProvider(table);
      await provider.open({ user: 'ada' });
      const held = table.get('t1')!;
      table.set('t1', { ...held, info: { ...held.info, attributes: { database: 'shop', value } } });
      await expect(provider.authenticate()).rejects.toMatchObject({ code: 'INTERNAL' });
    }
  });

  it('isolates a throwing listener from the operation', async () => {
    const provider = new TableProvider(new Map());
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    provider.onChange(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    provider.onChange((event) => seen.push(event.reason));
    await expect(provider.open({ user: 'ada' })).resolves.toMatchObject({ subject: 'ada' });
    expect(seen).toEqual(['opened']);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  it('rejects work that close() cut short with CLOSED, the backend error as cause', async () => {
    const table = new Map<string, ActiveSession>();
    const provider = new TableProvider(table);
    await provider.open({ user: 'ada' });
    const unavailable = new SessionTokenError('UNAVAILABLE', 'the connection was closed');
    provider.failWith = unavailable;
    const pending = provider.open({ user: 'bob' });
    await provider.close();
    await expect(pending).rejects.toMatchObject({
      code: 'CLOSED',
      message: 'table: this provider was closed while the operation ran',
      cause: unavailable,
    });
  });

  it('closes once and rejects everything afterwards with CLOSED', async () => {
    const provider = new TableProvider(new Map());
    await provider.open({ user: 'ada' });
    await provider.close();
    await provider.close();
    expect(provider.released).toBe(1);
    expect(provider.getSession()).toBeNull();
    await expect(provider.open({ user: 'ada' })).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(provider.setSessionToken('t1')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(provider.authenticate()).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(provider.revoke()).rejects.toMatchObject({ code: 'CLOSED' });
    expect(() => provider.setSessionToken(true)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });
});
