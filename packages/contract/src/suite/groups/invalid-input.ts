import { randomBytes } from 'node:crypto';
import type { ContractGroupFactory } from '../define.js';
import type { ContractContext } from '../context.js';
import { forgedJwt, tamperedAt } from '../tampering.js';

async function expectInvalid<C>(ctx: ContractContext<C>, tokens: readonly unknown[], what: string): Promise<void> {
  const provider = await ctx.provider();
  for (const [i, token] of tokens.entries()) {
    await ctx.rejects(
      () => provider.setSessionToken(token as string),
      ['INVALID_TOKEN'],
      `setSessionToken(${what} #${i + 1})`,
    );
    ctx.expect(provider.getSession(), `getSession() after a rejected ${what}`).toBeNull();
    ctx.expect(provider.getSessionToken(), `getSessionToken() after a rejected ${what}`).toBe('');
  }
}

export const invalidInputGroup: ContractGroupFactory = (options) => ({
  id: 'invalid-input',
  name: 'invalid tokens and credentials',
  tests: [
    {
      name: 'garbage tokens reject with INVALID_TOKEN',
      async body(ctx) {
        await expectInvalid(
          ctx,
          [
            'garbage',
            'x',
            '',
            ' ',
            'not a token!',
            'a'.repeat(4097),
            randomBytes(48).toString('base64url'),
            'eyJhbGciOiJub25lIn0.e30.',
            '%00%ff',
            'AAAA.BBBB',
            42,
            null,
            {},
            { sessionToken: 'garbage', sessionJwt: null },
          ],
          'garbage token',
        );
      },
    },
    {
      name: 'truncated tokens reject with INVALID_TOKEN',
      async body(ctx) {
        const { token } = await ctx.opened();
        const cuts = [
          token.slice(0, -1),
          token.slice(1),
          token.slice(0, Math.floor(token.length / 2)),
          token.slice(0, 8),
        ];
        await expectInvalid(ctx, cuts, 'truncated token');
      },
    },
    {
      name: 'a token with one character changed rejects with INVALID_TOKEN',
      async body(ctx) {
        const { token } = await ctx.opened();
        const positions = [
          ...new Set([
            0,
            1,
            Math.floor(token.length / 3),
            Math.floor(token.length / 2),
            token.length - 2,
            token.length - 1,
          ]),
        ];
        await expectInvalid(
          ctx,
          positions.flatMap((p) => tamperedAt(token, p)),
          'tampered token',
        );
      },
    },
    ...(options.capabilities.jwt
      ? [
          {
            name: 'a valid session token with a tampered session JWT rejects with INVALID_TOKEN',
            async body(ctx: ContractContext<unknown>) {
              const { provider } = await ctx.opened();
              const { sessionToken, sessionJwt } = await ctx.tokensOf(provider);
              await expectInvalid(ctx, [{ sessionToken, sessionJwt: forgedJwt(sessionJwt!) }], 'tampered JWT');
            },
          },
        ]
      : []),
    {
      name: 'bad credentials reject with BAD_CREDENTIALS',
      async body(ctx) {
        const provider = await ctx.provider();
        await ctx.rejects(
          async () => provider.open(await options.badCredentials()),
          ['BAD_CREDENTIALS'],
          'open(bad credentials)',
        );
        ctx.expect(provider.getSession(), 'getSession() after refused credentials').toBeNull();
      },
    },
  ],
});
