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
    const session = this.table.get(tokens.sessionToken);
    if (!session) throw new SessionTokenError('INVALID_TOKEN', 'unknown token');
    return session;
  }
  protected async authenticateSession(session: ActiveSession, _options: AuthenticateOptions): Promise<ActiveSession> {
    return this.reattachSession(session.tokens);
  }
  protected async revokeSession(session: ActiveSession): Promise<void> {
    this.table.delete(session.tokens.sessionToken);
  }
  protected async releaseResources(): Promise<void> {
    this.released++;
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

  it('wraps a raw error from an adapter as INTERNAL, keeping it as cause', async () => {
    const provider = new TableProvider(new Map());
    const raw = new TypeError('boom');
    provider.failWith = raw;
    const error = await provider.open({ user: 'ada' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionTokenError);
    expect(error).toMatchObject({ code: 'INTERNAL', cause: raw });
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
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED', cause: unavailable });
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
