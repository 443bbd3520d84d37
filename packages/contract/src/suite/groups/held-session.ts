import { SessionTokenError } from '@sessiontoken/core';
import type { Outage } from '../api.js';
import type { ContractGroupFactory, ContractTestDefinition } from '../define.js';
import { heldState, rejectedTokens } from '../rejected-tokens.js';

/** Tries to change every part of a value the provider handed out; frozen parts throw, which is fine. */
function tryToChange(value: object | null): void {
  if (value === null) return;
  for (const [key, field] of Object.entries(value) as Array<[string, unknown]>) {
    if (field instanceof Date) field.setTime(0);
    else if (typeof field === 'object' && field !== null) tryToChange(field);
    try {
      (value as Record<string, unknown>)[key] = typeof field === 'string' ? `${field}-changed` : null;
    } catch {
      // A frozen snapshot refuses the write: exactly what the contract wants.
    }
  }
  try {
    (value as Record<string, unknown>)['injected'] = 'by the caller';
  } catch {
    // As above.
  }
}

/** `value` as text with its dates left out: what a frozen copy must keep whatever the caller tries. */
function withoutDates(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, field: unknown) {
    return this[key] instanceof Date ? '(a date)' : field;
  });
}

export const heldSessionGroup: ContractGroupFactory = (options) => ({
  id: 'held-session',
  name: 'the held session',
  tests: [
    {
      name: 'a rejected setSessionToken(token) leaves the held session, its token and token mode as they were',
      async body(ctx) {
        for (const tokenMode of [true, false]) {
          const { provider } = await ctx.opened();
          const refused = await rejectedTokens(ctx, await ctx.tokensOf(provider));
          provider.setSessionToken(tokenMode);
          const before = heldState(provider);
          for (const { label, value, codes } of refused) {
            await ctx.rejects(
              () => provider.setSessionToken(value),
              codes,
              `setSessionToken(${label}) while holding a session`,
            );
            ctx
              .expect(
                heldState(provider),
                `what the provider holds after refusing ${label} (token mode ${tokenMode ? 'on' : 'off'})`,
              )
              .toBe(before);
          }
          await ctx.work(provider, 'after refused reattaches');
        }
      },
    },
    {
      name: 'changing what getSession(), getTokens() or open() returned changes nothing the provider holds',
      async body(ctx) {
        const { provider, info } = await ctx.opened();
        const { attributes } = provider.getSession()!;
        ctx
          .expect(
            typeof attributes === 'object' && attributes !== null && Object.isFrozen(attributes),
            'getSession().attributes is a frozen object',
          )
          .toBe(true);
        const before = heldState(provider);
        for (const [what, value] of [
          ['open()', info],
          ['getSession()', provider.getSession()],
          ['getTokens()', provider.getTokens()],
        ] as const) {
          const copy = withoutDates(value);
          tryToChange(value);
          ctx.expect(withoutDates(value), `what ${what} returned is frozen`).toBe(copy);
        }
        ctx.expect(heldState(provider), 'what the provider holds after the caller changed its copies').toBe(before);
        await ctx.work(provider, 'after the caller changed its copies');
      },
    },
    {
      name: 'two open() calls racing on one provider leave a token and a session that belong together',
      async body(ctx) {
        const provider = await ctx.provider();
        provider.setSessionToken(true);
        const credentials = await Promise.all([options.credentials(), options.credentials()]);
        const results = await ctx.within(
          Promise.allSettled(credentials.map((c) => provider.open(c))),
          'two racing open() calls',
        );
        for (const result of results) {
          if (result.status === 'rejected')
            ctx
              .expect(result.reason instanceof SessionTokenError, 'a racing open() rejects only with SessionTokenError')
              .toBe(true);
        }
        const held = provider.getSession();
        ctx.expect(held === null, 'getSession() after two racing open() calls').toBe(false);
        const other = await ctx.provider();
        const seen = await ctx.within(
          other.setSessionToken(await ctx.tokensOf(provider)),
          'reattach with the token the provider holds',
        );
        ctx
          .expect({ sessionId: seen.sessionId, subject: seen.subject }, 'the session of the held token')
          .toEqual({ sessionId: held!.sessionId, subject: held!.subject });
        await ctx.work(provider, 'after two racing open() calls');
      },
    },
    {
      name: 'revoke() racing a reattach to another session leaves the new session held',
      async body(ctx) {
        const { provider } = await ctx.opened();
        const { info: next, token } = await ctx.opened();
        const [revoked, reattached] = await ctx.within(
          Promise.allSettled([provider.revoke(), provider.setSessionToken(token)]),
          'revoke() racing setSessionToken(token)',
        );
        if (revoked.status === 'rejected')
          ctx
            .expect(
              revoked.reason instanceof SessionTokenError,
              'a racing revoke() rejects only with SessionTokenError',
            )
            .toBe(true);
        ctx.expect(reattached.status, 'the racing reattach').toBe('fulfilled');
        ctx.expect(provider.getSession()?.sessionId, 'the session held after both settled').toBe(next.sessionId);
        ctx.expect((await ctx.tokensOf(provider)).sessionToken, 'the token held after both settled').toBe(token);
      },
    },
    ...(options.outage ? [backendOutage(options.outage, options.capabilities.serverRevocation)] : []),
  ],
});

/**
 * A provider cut off from its backend rejects with `UNAVAILABLE` and keeps its session: a network fault must not end
 * a user's session, and `revoke()` must not report success for a session the backend never heard about.
 */
function backendOutage<C>(outage: Outage, serverRevocation: boolean): ContractTestDefinition<C> {
  return {
    name: 'a provider cut off from its backend rejects with UNAVAILABLE and keeps its session until the backend answers again',
    async body(ctx) {
      const { provider, token } = await ctx.opened();
      const other = await ctx.provider();
      const credentials = await ctx.within(Promise.resolve(ctx.options.credentials()), 'credentials()');
      const before = heldState(provider);
      const reconnect = [
        await ctx.within(outage(provider as never), 'outage(provider)'),
        await ctx.within(outage(other as never), 'outage(another provider)'),
      ];
      try {
        const attempts: Array<[string, () => Promise<unknown>]> = [
          ['authenticate()', () => provider.authenticate()],
          ['setSessionToken(token)', () => provider.setSessionToken(token)],
        ];
        if (serverRevocation) attempts.push(['revoke()', () => provider.revoke()]);
        for (const [label, attempt] of attempts) {
          await ctx.rejects(attempt, ['UNAVAILABLE'], `${label} while the backend does not answer`);
          ctx.expect(heldState(provider), `what the provider holds after ${label} found no backend`).toBe(before);
        }
        await ctx.rejects(
          () => other.setSessionToken(token),
          ['UNAVAILABLE'],
          'setSessionToken(token) of another provider while the backend does not answer',
        );
        await ctx.rejects(
          () => other.open(credentials),
          ['UNAVAILABLE'],
          'open(credentials) while the backend does not answer',
        );
        ctx.expect(other.getSession(), 'getSession() of a provider that never reached the backend').toBeNull();
      } finally {
        for (const connect of reconnect) await ctx.within(connect(), 'connecting again after outage()');
      }
      await ctx.work(provider, 'after the backend answers again');
      const seen = await ctx.within(
        other.setSessionToken(token),
        'setSessionToken(token) after the backend answers again',
      );
      ctx.expect(seen.subject, 'the session after the backend answers again').toBe(provider.getSession()?.subject);
    },
  };
}
