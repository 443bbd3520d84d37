import type { ContractContext } from '../context.js';
import type { ContractGroupFactory } from '../define.js';
import { heldState } from '../rejected-tokens.js';

export const authenticateGroup: ContractGroupFactory = (options) => ({
  id: 'authenticate',
  name: 'authenticate',
  tests: [
    ...(options.capabilities.slidingExpiry
      ? [
          {
            name: 'authenticate({ durationMinutes }) refuses zero, negative and fractional minutes with INVALID_ARGUMENT and keeps the session',
            async body(ctx: ContractContext<unknown>) {
              const { provider } = await ctx.opened();
              const before = heldState(provider);
              for (const durationMinutes of [0, -5, 1.5, Number.NaN]) {
                await ctx.rejects(
                  () => provider.authenticate({ durationMinutes }),
                  ['INVALID_ARGUMENT'],
                  `authenticate({ durationMinutes: ${durationMinutes} })`,
                );
                ctx
                  .expect(heldState(provider), `what the provider holds after durationMinutes ${durationMinutes}`)
                  .toBe(before);
              }
            },
          },
        ]
      : []),
    {
      name: 'authenticate() confirms a live session with the backend',
      async body(ctx) {
        const { provider, info } = await ctx.opened();
        const checked = await ctx.within(provider.authenticate(), 'authenticate()');
        ctx.expect(checked.subject, 'subject after authenticate').toBe(info.subject);
        ctx.expect(checked.sessionId, 'sessionId after authenticate').toBe(info.sessionId);
      },
    },
    options.capabilities.slidingExpiry
      ? {
          name: 'authenticate({ durationMinutes }) extends expiresAt',
          async body(ctx) {
            const { provider, info } = await ctx.opened();
            const before = info.expiresAt?.getTime();
            ctx.expect(typeof before, 'open() reports expiresAt').toBe('number');
            const minutes = options.extendDurationMinutes ?? 10_080;
            const extended = await ctx.within(
              provider.authenticate({ durationMinutes: minutes }),
              'authenticate({ durationMinutes })',
            );
            const after = extended.expiresAt?.getTime() ?? 0;
            ctx.expect(after, 'expiresAt after authenticate({ durationMinutes })').toBeGreaterThan(before!);
            ctx
              .expect(
                Math.abs(after - (Date.now() + minutes * 60_000)) < 5 * 60_000,
                'expiresAt is durationMinutes from now',
              )
              .toBe(true);
            ctx.expect(provider.getSession()?.expiresAt?.getTime(), 'getSession() reflects the extension').toBe(after);
            const other = await ctx.provider();
            const seen = await ctx.within(
              other.setSessionToken(await ctx.tokensOf(provider)),
              'reattach after extending',
            );
            ctx.expect(seen.expiresAt?.getTime(), 'the backend keeps the extension').toBe(after);
          },
        }
      : {
          name: 'authenticate({ durationMinutes }) rejects with NOT_SUPPORTED and keeps the session',
          async body(ctx) {
            const { provider, info } = await ctx.opened();
            await ctx.rejects(
              () => provider.authenticate({ durationMinutes: 60 }),
              ['NOT_SUPPORTED'],
              'authenticate({ durationMinutes })',
            );
            ctx.expect(provider.getSession()?.subject, 'the session survives').toBe(info.subject);
          },
        },
  ],
});
