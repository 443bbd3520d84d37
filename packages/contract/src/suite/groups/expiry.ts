import { SessionTokenError } from '@sessiontoken/core';
import type { ContractGroupFactory } from '../define.js';
import { ContractViolation } from '../context.js';

export const expiryGroup: ContractGroupFactory = (options) => ({
  name: 'expiry',
  tests: [
    {
      name: `an expired session rejects with ${options.expiry.code}`,
      async body(ctx) {
        const { expiry } = options;
        const provider = await ctx.provider();
        if ('expiredToken' in expiry) {
          const token = await ctx.within(expiry.expiredToken(), 'expiry.expiredToken()');
          await ctx.rejects(() => provider.setSessionToken(token), [expiry.code], 'setSessionToken(expired token)');
          ctx.expect(provider.getSession(), 'getSession() after an expired token').toBeNull();
          return;
        }
        await ctx.within(expiry.openShortLived(provider as never), 'expiry.openShortLived()');
        provider.setSessionToken(true);
        const token = provider.getSessionToken();
        ctx.expect(token.length > 0, 'a short-lived session exposes a token').toBe(true);
        const deadline = Date.now() + expiry.maxWaitMs;
        const other = await ctx.provider();
        // Poll until the backend stops accepting the token; each attempt is a fresh reattach.
        for (;;) {
          try {
            await ctx.within(other.setSessionToken(token), 'setSessionToken(short-lived token)');
          } catch (error) {
            if (error instanceof SessionTokenError && error.code === expiry.code) return;
            await ctx.rejects(() => Promise.reject(error), [expiry.code], 'setSessionToken(expired token)');
          }
          if (Date.now() > deadline) throw new ContractViolation(`a short-lived session was still accepted after ${expiry.maxWaitMs} ms`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      },
    },
  ],
});
