import type { ContractGroupFactory } from '../define.js';

export const reattachGroup: ContractGroupFactory = () => ({
  id: 'reattach',
  name: 'reattach',
  tests: [
    {
      name: 'a brand-new provider reattaches with the token alone and does backend work',
      async body(ctx) {
        const { info, token } = await ctx.opened();
        const other = await ctx.provider();
        const reattached = await ctx.within(other.setSessionToken(token), 'setSessionToken(token)');
        ctx.expect(reattached.subject, 'subject after reattach').toBe(info.subject);
        ctx.expect(reattached.sessionId, 'sessionId after reattach').toBe(info.sessionId);
        ctx.expect(other.getSession()?.subject, 'getSession().subject after reattach').toBe(info.subject);
        if (ctx.exposesTokens)
          ctx.expect(other.getSessionToken().length > 0, 'token mode is on after a reattach').toBe(true);
        else ctx.expectTokensHidden(other, 'after a reattach');
        await ctx.work(other, 'after reattach');
      },
    },
    {
      name: 'reattaches with { sessionToken, sessionJwt } from getTokens() (or, where hidden, from hiddenTokens)',
      async body(ctx) {
        const { provider, info } = await ctx.opened();
        const tokens = await ctx.tokensOf(provider);
        const other = await ctx.provider();
        const reattached = await ctx.within(
          other.setSessionToken(tokens),
          'setSessionToken({ sessionToken, sessionJwt })',
        );
        ctx.expect(reattached.subject, 'subject after reattach').toBe(info.subject);
        if (ctx.exposesTokens)
          ctx.expect(other.getTokens()?.sessionToken, 'getTokens().sessionToken after reattach').toBeTruthy();
        else
          ctx
            .expect((await ctx.tokensOf(other)).sessionToken, 'the hidden token after reattach')
            .toBe(tokens.sessionToken);
        await ctx.work(other, 'after reattach with tokens');
      },
    },
    {
      name: 'the first provider keeps working after another one reattached',
      async body(ctx) {
        const { provider, token } = await ctx.opened();
        const other = await ctx.provider();
        await ctx.within(other.setSessionToken(token), 'setSessionToken(token)');
        await ctx.work(other, 'second provider');
        await ctx.work(provider, 'first provider');
      },
    },
  ],
});
