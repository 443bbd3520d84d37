import { SessionTokenError, type SessionChangeEvent, type SessionTokenErrorCode } from '@sessiontoken/core';
import type { OpenShortLived } from '../api.js';
import type { ContractGroupFactory, ContractTestDefinition } from '../define.js';
import { ContractViolation } from '../context.js';

export const expiryGroup: ContractGroupFactory = (options) => ({
  id: 'expiry',
  name: 'expiry',
  tests: [
    {
      name: `an expired session rejects with ${options.expiry.code}`,
      async body(ctx) {
        const { expiry } = options;
        const provider = await ctx.provider();
        if (expiry.expiredToken) {
          const token = await ctx.within(expiry.expiredToken(), 'expiry.expiredToken()');
          await ctx.rejects(() => provider.setSessionToken(token), [expiry.code], 'setSessionToken(expired token)');
          ctx.expect(provider.getSession(), 'getSession() after an expired token').toBeNull();
          return;
        }
        await ctx.within(expiry.openShortLived(provider as never), 'expiry.openShortLived()');
        provider.setSessionToken(true);
        const token = (await ctx.tokensOf(provider)).sessionToken;
        ctx.expect(token.length > 0, 'a short-lived session exposes a token').toBe(true);
        const maxWaitMs = expiry.maxWaitMs ?? 30_000;
        const deadline = Date.now() + maxWaitMs;
        const other = await ctx.provider();
        // Poll until the backend stops accepting the token; each attempt is a fresh reattach.
        for (;;) {
          try {
            await ctx.within(other.setSessionToken(token), 'setSessionToken(short-lived token)');
          } catch (error) {
            if (error instanceof SessionTokenError && error.code === expiry.code) return;
            await ctx.rejects(() => Promise.reject(error), [expiry.code], 'setSessionToken(expired token)');
          }
          if (Date.now() > deadline)
            throw new ContractViolation(`a short-lived session was still accepted after ${maxWaitMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      },
    },
    ...(options.expiry.openShortLived
      ? [heldSessionExpires(options.expiry.openShortLived, options.expiry.maxWaitMs ?? 30_000, options.expiry.code)]
      : []),
  ],
});

/** A provider holding a session that then expires on the backend rejects authenticate() and forgets the session. */
function heldSessionExpires<C>(
  openShortLived: OpenShortLived,
  maxWaitMs: number,
  code: SessionTokenErrorCode,
): ContractTestDefinition<C> {
  return {
    name: `a held session that expires on the backend makes authenticate() reject with ${code} and is forgotten`,
    async body(ctx) {
      const [provider, watcher] = [await ctx.provider(), await ctx.provider()];
      const events: SessionChangeEvent[] = [];
      const watched: SessionChangeEvent[] = [];
      provider.onChange((event) => events.push(event));
      watcher.onChange((event) => watched.push(event));
      await ctx.within(
        Promise.all([openShortLived(provider as never), openShortLived(watcher as never)]),
        'expiry.openShortLived()',
      );
      provider.setSessionToken(true);
      // Read once before it runs out; a session already gone by now cannot show the offline check.
      const knownExpiry = watcher.getSession()?.expiresAt ?? null;
      ctx.expect(events.length, 'events of getting a short-lived session').toBeGreaterThan(0);
      const deadline = Date.now() + maxWaitMs;
      // Poll the backend through authenticate() until it refuses the session.
      for (;;) {
        try {
          await ctx.within(provider.authenticate(), 'authenticate() of a short-lived session');
        } catch (error) {
          await ctx.rejects(() => Promise.reject(error), [code], 'authenticate() after the session expired');
          break;
        }
        if (Date.now() > deadline)
          throw new ContractViolation(`a held short-lived session still authenticated after ${maxWaitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      ctx.expect(provider.getSession(), 'getSession() after the session expired').toBeNull();
      ctx.expect(provider.getSessionToken(), 'getSessionToken() after the session expired').toBe('');
      ctx.expect(provider.getTokens(), 'getTokens() after the session expired').toBeNull();
      // The end is reported once: nothing after the last event that still carried the session but one `expired`.
      ctx
        .expect(
          events.slice(events.findLastIndex((event) => event.session !== null) + 1),
          'the events after the last one that carried the session',
        )
        .toEqual([{ reason: 'expired', session: null }]);
      await ctx.rejects(
        () => provider.authenticate(),
        ['NO_SESSION'],
        'authenticate() after the session was forgotten',
      );
      if (knownExpiry === null) return;
      // A provider that knows when its session ends forgets it then, without a round trip.
      while (watcher.getSession() !== null) {
        if (Date.now() > deadline)
          throw new ContractViolation(
            `getSession() still returned a session ${Date.now() - knownExpiry.getTime()} ms after its expiresAt`,
          );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      ctx
        .expect(watched.at(-1), 'the last event of the watching provider')
        .toEqual({ reason: 'expired', session: null });
    },
  };
}
