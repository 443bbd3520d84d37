import type { SessionChangeReason } from '@sessiontoken/core';
import type { ContractGroupFactory } from '../define.js';

export const onChangeGroup: ContractGroupFactory = (options) => ({
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
        const token = provider.getSessionToken();

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
  ],
});
