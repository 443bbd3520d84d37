import { isCookieSafeToken } from '@sessiontoken/core';
import type { ContractOptions } from '../api.js';
import type { ContractGroupFactory, ContractTestDefinition } from '../define.js';

export const tokenModeGroup: ContractGroupFactory = (options) => ({
  id: 'token-mode',
  name: 'token mode',
  tests: [
    {
      name: 'is off by default: after open the session works and no token is exposed',
      async body(ctx) {
        const provider = await ctx.provider();
        const info = await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
        ctx
          .expect(typeof info.subject === 'string' && info.subject.length > 0, 'open() resolves with a subject')
          .toBe(true);
        ctx.expect(provider.getSession()?.subject, 'getSession().subject').toBe(info.subject);
        await ctx.work(provider, 'with token mode off');
        ctx.expect(provider.getSessionToken(), 'getSessionToken() with token mode off').toBe('');
        ctx.expect(provider.getTokens(), 'getTokens() with token mode off').toBeNull();
      },
    },
    ...(options.capabilities.exposesTokens === false ? hiddenTokenTests(options) : exposedTokenTests(options)),
  ],
});

/** Where tokens are exposed: token mode shows and hides them. */
function exposedTokenTests<Credentials>(options: ContractOptions<Credentials>): ContractTestDefinition<Credentials>[] {
  return [
    {
      name: 'setSessionToken(true) exposes a cookie-safe token and setSessionToken(false) hides it again',
      async body(ctx) {
        const provider = await ctx.provider();
        await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
        provider.setSessionToken(true);
        const token = provider.getSessionToken();
        ctx.expect(isCookieSafeToken(token), 'getSessionToken() is a non-empty cookie-safe token').toBe(true);
        const tokens = provider.getTokens();
        ctx.expect(tokens?.sessionToken, 'getTokens().sessionToken').toBe(token);
        if (options.capabilities.jwt) {
          ctx.expect(isCookieSafeToken(tokens?.sessionJwt), 'getTokens().sessionJwt is cookie-safe').toBe(true);
          ctx.expect(tokens?.sessionJwt, 'getTokens().sessionJwt is a compact JWS').toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        } else {
          ctx.expect(tokens?.sessionJwt, 'getTokens().sessionJwt without jwt capability').toBeNull();
        }
        provider.setSessionToken(false);
        ctx.expect(provider.getSessionToken(), 'getSessionToken() after setSessionToken(false)').toBe('');
        ctx.expect(provider.getTokens(), 'getTokens() after setSessionToken(false)').toBeNull();
        ctx.expect(provider.getSession()?.subject, 'the session survives turning token mode off').toBeTruthy();
      },
    },
    {
      name: 'enabled before open, as PyOrient does, exposes the token after open',
      async body(ctx) {
        const provider = await ctx.provider();
        provider.setSessionToken(true);
        ctx.expect(provider.getSessionToken(), 'getSessionToken() before open').toBe('');
        await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
        ctx.expect(isCookieSafeToken(provider.getSessionToken()), 'getSessionToken() after open').toBe(true);
      },
    },
  ];
}

/** Where sessions are held in HttpOnly cookies (`exposesTokens: false`): no token shows, whatever token mode is. */
function hiddenTokenTests<Credentials>(options: ContractOptions<Credentials>): ContractTestDefinition<Credentials>[] {
  return [
    {
      name: 'exposes no token with a live session, token mode on or off (exposesTokens: false)',
      async body(ctx) {
        const provider = await ctx.provider();
        provider.setSessionToken(true);
        await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
        ctx.expectTokensHidden(provider, 'after open() with token mode on');
        await ctx.work(provider, 'with the tokens hidden');
        ctx.expectTokensHidden(provider, 'after backend work');
        provider.setSessionToken(false);
        ctx.expect(provider.getTokens(), 'getTokens() with token mode off').toBeNull();
        ctx.expect(provider.getSession()?.subject, 'the session survives turning token mode off').toBeTruthy();
      },
    },
    {
      name: 'holds a session whose hidden tokens the backend accepts, although getTokens() is null',
      async body(ctx) {
        const { provider, info } = await ctx.opened();
        const other = await ctx.provider();
        const seen = await ctx.within(
          other.setSessionToken(await ctx.tokensOf(provider)),
          'reattach with hidden tokens',
        );
        ctx.expect(seen.sessionId, 'the hidden tokens are the held session').toBe(info.sessionId);
      },
    },
  ];
}
