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
            await ctx.rejects(() => other.setSessionToken(token), options.revokedCodes ?? ['REVOKED', 'INVALID_TOKEN'], 'setSessionToken(revoked token)');
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
    {
      name: 'the revoking provider can open a new session afterwards',
      async body(ctx) {
        const { provider } = await ctx.opened();
        await ctx.within(provider.revoke(), 'revoke()');
        await ctx.within(provider.open(await options.credentials()), 'open(credentials) after revoke');
        ctx.expect(provider.getSessionToken().length > 0, 'a new token after reopening').toBe(true);
      },
    },
  ],
});
