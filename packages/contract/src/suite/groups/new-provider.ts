import type { ProviderCapabilities } from '@sessiontoken/core';
import type { ContractGroupFactory } from '../define.js';

const CAPABILITY_NAMES = ['jwt', 'serverRevocation', 'slidingExpiry', 'statelessReattach', 'tokenRenewal'] as const;

export const newProviderGroup: ContractGroupFactory = (options) => ({
  id: 'new-provider',
  name: 'a new provider',
  tests: [
    {
      name: 'has no token, no tokens and no session',
      async body(ctx) {
        const provider = await ctx.provider();
        ctx.expect(provider.getSessionToken(), 'getSessionToken()').toBe('');
        ctx.expect(provider.getTokens(), 'getTokens()').toBeNull();
        ctx.expect(provider.getSession(), 'getSession()').toBeNull();
      },
    },
    {
      name: 'declares a name and the expected capabilities',
      async body(ctx) {
        const provider = await ctx.provider();
        ctx
          .expect(typeof provider.name === 'string' && provider.name.length > 0, 'provider.name is a non-empty string')
          .toBe(true);
        // `exposesTokens` may be left out, meaning true.
        const flags = (capabilities: ProviderCapabilities): Record<string, boolean> => {
          const entries = CAPABILITY_NAMES.map((name): [string, boolean] => [name, capabilities[name]]);
          return Object.fromEntries([...entries, ['exposesTokens', capabilities.exposesTokens ?? true]]);
        };
        const declared = flags(provider.capabilities);
        const expected = flags(options.capabilities);
        ctx.expect(declared, 'provider.capabilities').toEqual(expected);
      },
    },
    {
      name: 'rejects operations that need a session with NO_SESSION',
      async body(ctx) {
        const provider = await ctx.provider();
        await ctx.rejects(() => provider.authenticate(), ['NO_SESSION'], 'authenticate() without a session');
        await ctx.rejects(() => provider.revoke(), ['NO_SESSION'], 'revoke() without a session');
      },
    },
  ],
});
