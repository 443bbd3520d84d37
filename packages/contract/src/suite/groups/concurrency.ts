import type { ContractGroupFactory } from '../define.js';

export const concurrencyGroup: ContractGroupFactory = (options) => {
  const n = options.concurrency ?? 50;
  return {
    id: 'concurrency',
    name: 'concurrency',
    tests: [
      {
        name: `${n} parallel reattaches with one token all succeed`,
        async body(ctx) {
          const { info, token } = await ctx.opened();
          const providers = await Promise.all(Array.from({ length: n }, () => ctx.provider()));
          const results = await ctx.within(
            Promise.allSettled(providers.map((p) => p.setSessionToken(token))),
            `${n} parallel reattaches`,
          );
          const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
          ctx
            .expect(
              failures.map((f) => String(f.reason)),
              'failed reattaches',
            )
            .toEqual([]);
          for (const result of results) {
            if (result.status === 'fulfilled')
              ctx.expect(result.value.subject, 'subject of each reattach').toBe(info.subject);
          }
        },
      },
      {
        name: `${n} parallel sessions get ${n} distinct tokens`,
        async body(ctx) {
          const providers = await Promise.all(Array.from({ length: n }, () => ctx.provider()));
          const credentials = await Promise.all(providers.map(() => options.credentials()));
          await ctx.within(
            Promise.all(
              providers.map(async (provider, i) => {
                provider.setSessionToken(true);
                await provider.open(credentials[i]!);
              }),
            ),
            `${n} parallel opens`,
          );
          const tokens = new Set(await Promise.all(providers.map(async (p) => (await ctx.tokensOf(p)).sessionToken)));
          tokens.delete('');
          ctx.expect(tokens.size, 'distinct non-empty tokens').toBe(n);
        },
      },
    ],
  };
};
