import type { SessionTokenProvider } from '@sessiontoken/core';
import type { ContractGroupFactory } from '../define.js';
import { ContractViolation } from '../context.js';

/** Handle kinds that keep a Node process alive: sockets, servers, timers, child processes. */
const LIVE_HANDLE = /TCP|Pipe|UDP|TLS|Timeout|Immediate|Process|Signal|FSEvent|StatWatcher/;

function liveHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (LIVE_HANDLE.test(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

function leaked(baseline: Map<string, number>): string[] {
  return [...liveHandles()]
    .filter(([kind, n]) => n > (baseline.get(kind) ?? 0))
    .map(([kind, n]) => `${n - (baseline.get(kind) ?? 0)} ${kind}`);
}

/**
 * Starts watching `promise` at once, so that its rejection never counts as unhandled while the caller awaits something
 * else, and returns a function that gives its outcome (rethrowing a rejection) when the caller is ready for it.
 */
function settleLater<T>(promise: Promise<T>): () => Promise<T> {
  const outcome = Promise.allSettled([promise]);
  return async () => {
    const [result] = await outcome;
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  };
}

export const closeGroup: ContractGroupFactory = (options) => ({
  id: 'close',
  name: 'close',
  tests: [
    {
      name: 'after close() every operation rejects with CLOSED',
      async body(ctx) {
        const { provider, token } = await ctx.opened();
        await ctx.within(provider.close(), 'close()');
        await ctx.within(provider.close(), 'a second close()');
        ctx.expect(provider.getSession(), 'getSession() after close').toBeNull();
        ctx.expect(provider.getSessionToken(), 'getSessionToken() after close').toBe('');
        ctx.expect(provider.getTokens(), 'getTokens() after close').toBeNull();
        await ctx.rejects(async () => provider.open(await options.credentials()), ['CLOSED'], 'open() after close');
        await ctx.rejects(() => provider.setSessionToken(token), ['CLOSED'], 'setSessionToken(token) after close');
        await ctx.rejects(() => provider.setSessionToken(true), ['CLOSED'], 'setSessionToken(true) after close');
        await ctx.rejects(() => provider.authenticate(), ['CLOSED'], 'authenticate() after close');
        await ctx.rejects(() => provider.revoke(), ['CLOSED'], 'revoke() after close');
      },
    },
    {
      name: 'close() while open(), setSessionToken(token) or authenticate() is in flight: it rejects with CLOSED and nothing is held',
      async body(ctx) {
        const { token } = await ctx.opened();
        const credentials = await options.credentials();
        const operations: Array<[string, (p: SessionTokenProvider<unknown, never>) => Promise<unknown>]> = [
          ['open(credentials)', (p) => p.open(credentials)],
          ['setSessionToken(token)', (p) => p.setSessionToken(token)],
          ['authenticate()', (p) => p.authenticate()],
        ];
        for (const [label, operation] of operations) {
          const provider = (await ctx.provider()) as SessionTokenProvider<unknown, never>;
          if (label === 'authenticate()') await ctx.within(provider.setSessionToken(token), 'setSessionToken(token)');
          await ctx.rejects(
            async () => {
              const outcome = settleLater(operation(provider));
              await ctx.within(provider.close(), `close() during ${label}`);
              return outcome();
            },
            ['CLOSED'],
            `${label} interrupted by close()`,
          );
          ctx.expect(provider.getSession(), `getSession() after close() interrupted ${label}`).toBeNull();
          ctx.expect(provider.getSessionToken(), `getSessionToken() after close() interrupted ${label}`).toBe('');
        }
      },
    },
    {
      name: 'close() releases every socket and timer the provider opened',
      async body(ctx) {
        // Measured around a provider the test closes itself, so handles of other providers do not count.
        const baseline = liveHandles();
        const provider = await ctx.options.createProvider();
        try {
          await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
          provider.setSessionToken(true);
          await ctx.work(provider, 'before close');
          const other = await ctx.options.createProvider();
          await ctx.within(
            other.setSessionToken((await ctx.tokensOf(provider)).sessionToken),
            'setSessionToken(token)',
          );
          await ctx.within(other.close(), 'close() of a reattached provider');
        } finally {
          await ctx.within(provider.close(), 'close()');
        }
        const deadline = Date.now() + ctx.timeoutMs;
        for (let left = leaked(baseline); left.length > 0; left = leaked(baseline)) {
          if (Date.now() > deadline)
            throw new ContractViolation(`close() left handles that keep the process alive: ${left.join(', ')}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
    },
  ],
});
