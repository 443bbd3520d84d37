import type { SessionChangeEvent, SessionChangeReason, SessionTokenProvider } from '@sessiontoken/core';
import type { ContractContext } from '../context.js';
import type { ContractGroupFactory } from '../define.js';

const ENDING: readonly SessionChangeReason[] = ['revoked', 'expired', 'closed'];

/**
 * Runs `step` and checks the events it fired: ending events carry `null`, the others the session after the change,
 * which the last of them must match exactly. Returns the reasons seen.
 */
async function eventsOf<C>(
  ctx: ContractContext<C>,
  provider: SessionTokenProvider<C, never>,
  label: string,
  step: () => Promise<unknown>,
): Promise<SessionChangeReason[]> {
  const events: SessionChangeEvent[] = [];
  const unsubscribe = provider.onChange((event) => events.push(event));
  try {
    await ctx.within(step(), label);
  } finally {
    unsubscribe();
  }
  for (const { reason, session } of events) {
    if (ENDING.includes(reason)) ctx.expect(session, `the ${reason} event of ${label} carries null`).toBeNull();
    else ctx.expect(session?.subject, `the ${reason} event of ${label} carries the session`).toBeTruthy();
  }
  const lastLive = events.filter((e) => !ENDING.includes(e.reason)).at(-1);
  if (lastLive && events.at(-1) === lastLive) {
    ctx
      .expect(
        JSON.stringify(lastLive.session),
        `the ${lastLive.reason} event of ${label} carries the session after the change`,
      )
      .toBe(JSON.stringify(provider.getSession()));
  }
  return events.map((e) => e.reason);
}

export const onChangeGroup: ContractGroupFactory = (options) => ({
  id: 'on-change',
  name: 'onChange',
  tests: [
    {
      name: 'fires on open, reattach and revoke',
      async body(ctx) {
        const provider = await ctx.provider();
        const seen: SessionChangeReason[] = [];
        provider.onChange((event) => seen.push(event.reason));
        await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
        ctx.expect(seen, 'events after open').toContain('opened');
        provider.setSessionToken(true);
        const token = (await ctx.tokensOf(provider)).sessionToken;

        const other = await ctx.provider();
        const otherSeen: SessionChangeReason[] = [];
        let lastSubject: string | undefined;
        other.onChange((event) => {
          otherSeen.push(event.reason);
          lastSubject = event.session?.subject;
        });
        await ctx.within(other.setSessionToken(token), 'setSessionToken(token)');
        ctx.expect(otherSeen, 'events after reattach').toContain('reattached');
        ctx.expect(lastSubject, 'the reattached event carries the session').toBe(provider.getSession()?.subject);

        await ctx.within(other.revoke(), 'revoke()');
        ctx.expect(otherSeen, 'events after revoke').toContain('revoked');
      },
    },
    {
      name: 'unsubscribe stops the events',
      async body(ctx) {
        const provider = await ctx.provider();
        let calls = 0;
        const unsubscribe = provider.onChange(() => calls++);
        unsubscribe();
        await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
        await ctx.within(provider.revoke(), 'revoke()');
        ctx.expect(calls, 'events seen by an unsubscribed listener').toBe(0);
      },
    },
    {
      name: 'unsubscribe works after events have fired, and leaves other listeners subscribed',
      async body(ctx) {
        const provider = await ctx.provider();
        let calls = 0;
        let control = 0;
        const unsubscribe = provider.onChange(() => calls++);
        provider.onChange(() => control++);
        await ctx.within(provider.open(await options.credentials()), 'open(credentials)');
        ctx.expect(calls, 'events seen before unsubscribing').toBeGreaterThan(0);
        unsubscribe();
        const [seen, controlSeen] = [calls, control];
        await ctx.within(provider.revoke(), 'revoke()');
        await ctx.within(provider.open(await options.credentials()), 'open(credentials) again');
        unsubscribe();
        ctx.expect(calls, 'events seen by a listener unsubscribed after events fired').toBe(seen);
        ctx.expect(control - controlSeen, 'events seen by the listener still subscribed').toBeGreaterThan(1);
      },
    },
    {
      name: 'every event carries the session after the change, or null when the session ended',
      async body(ctx) {
        const provider = await ctx.provider();
        const credentials = await options.credentials();
        ctx
          .expect(await eventsOf(ctx, provider, 'open()', () => provider.open(credentials)), 'events of open()')
          .toContain('opened');
        provider.setSessionToken(true);
        const extend = options.capabilities.slidingExpiry
          ? { durationMinutes: options.extendDurationMinutes ?? 10_080 }
          : {};
        ctx
          .expect(
            await eventsOf(ctx, provider, 'authenticate()', () => provider.authenticate(extend)),
            'events of authenticate()',
          )
          .toContain('authenticated');
        const other = await ctx.provider();
        const { sessionToken: token } = await ctx.tokensOf(provider);
        ctx
          .expect(
            await eventsOf(ctx, other, 'setSessionToken(token)', () => other.setSessionToken(token)),
            'events of a reattach',
          )
          .toContain('reattached');
        ctx
          .expect(await eventsOf(ctx, other, 'revoke()', () => other.revoke()), 'events of revoke()')
          .toContain('revoked');
        ctx
          .expect(await eventsOf(ctx, provider, 'close()', () => provider.close()), 'events of close() with a session')
          .toContain('closed');
        const idle = await ctx.provider();
        ctx
          .expect(
            await eventsOf(ctx, idle, 'close() of a provider without a session', () => idle.close()),
            'events of close() without a session',
          )
          .toEqual([]);
      },
    },
  ],
});
