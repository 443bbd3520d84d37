import type { SessionChangeEvent } from '@sessiontoken/core';
import type { ContractContext } from '../context.js';
import type { ContractGroupFactory } from '../define.js';

export const revokeGroup: ContractGroupFactory = (options) => ({
  id: 'revoke',
  name: 'revoke',
  tests: [
    options.capabilities.serverRevocation
      ? {
          name: 'revoke() ends the session everywhere: a new provider rejects the token',
          async body(ctx) {
            const { provider, token } = await ctx.opened();
            await ctx.within(provider.revoke(), 'revoke()');
            ctx.expect(provider.getSession(), 'getSession() after revoke').toBeNull();
            ctx.expect(provider.getSessionToken(), 'getSessionToken() after revoke').toBe('');
            const other = await ctx.provider();
            await ctx.rejects(
              () => other.setSessionToken(token),
              options.revokedCodes ?? ['REVOKED', 'INVALID_TOKEN'],
              'setSessionToken(revoked token)',
            );
          },
        }
      : {
          name: 'revoke() without server-side revocation forgets the token locally, as documented',
          async body(ctx) {
            const { provider, token } = await ctx.opened();
            await ctx.within(provider.revoke(), 'revoke()');
            ctx.expect(provider.getSession(), 'getSession() after revoke').toBeNull();
            ctx.expect(provider.getSessionToken(), 'getSessionToken() after revoke').toBe('');
            ctx.expect(provider.getTokens(), 'getTokens() after revoke').toBeNull();
            await ctx.rejects(() => provider.authenticate(), ['NO_SESSION'], 'authenticate() after revoke');
            // Honesty of serverRevocation: false — the backend still accepts the token elsewhere.
            const other = await ctx.provider();
            const info = await ctx.within(other.setSessionToken(token), 'setSessionToken(token) after a local revoke');
            ctx.expect(info.subject.length > 0, 'the token still reattaches').toBe(true);
          },
        },
    ...(options.capabilities.serverRevocation
      ? [
          {
            name: 'a held session revoked through another provider: authenticate() rejects and forgets it, and revoke() of it succeeds',
            async body(ctx: ContractContext<unknown>) {
              const codes = options.revokedCodes ?? ['REVOKED', 'INVALID_TOKEN'];
              const { provider, token } = await ctx.opened();
              const holder = await ctx.provider();
              await ctx.within(holder.setSessionToken(token), 'setSessionToken(token)');
              await ctx.within(provider.revoke(), 'revoke() through the first provider');
              const events: SessionChangeEvent[] = [];
              holder.onChange((event) => events.push(event));
              const error = await ctx.rejects(
                () => holder.authenticate(),
                codes,
                'authenticate() of a session revoked elsewhere',
              );
              ctx.expect(holder.getSession(), 'getSession() after the backend refused the session').toBeNull();
              ctx.expect(holder.getSessionToken(), 'getSessionToken() after the backend refused the session').toBe('');
              ctx
                .expect(events, 'events of the refused session')
                .toEqual([{ reason: error.code === 'REVOKED' ? 'revoked' : 'expired', session: null }]);
              await ctx.rejects(
                () => holder.authenticate(),
                ['NO_SESSION'],
                'authenticate() after the session was forgotten',
              );

              const { token: second } = await ctx.opened();
              const other = await ctx.provider();
              await ctx.within(other.setSessionToken(second), 'setSessionToken(second token)');
              const revoker = await ctx.provider();
              await ctx.within(revoker.setSessionToken(second), 'setSessionToken(second token) to revoke it');
              await ctx.within(revoker.revoke(), 'revoke()');
              await ctx.within(other.revoke(), 'revoke() of a session already revoked elsewhere');
              ctx.expect(other.getSession(), 'getSession() after revoking a session revoked elsewhere').toBeNull();
            },
          },
        ]
      : []),
    {
      name: 'the revoking provider can open a new session afterwards',
      async body(ctx) {
        const { provider } = await ctx.opened();
        await ctx.within(provider.revoke(), 'revoke()');
        await ctx.within(provider.open(await options.credentials()), 'open(credentials) after revoke');
        if (ctx.exposesTokens)
          ctx.expect(provider.getSessionToken().length > 0, 'a new token after reopening').toBe(true);
        else ctx.expectTokensHidden(provider, 'after reopening');
      },
    },
  ],
});
