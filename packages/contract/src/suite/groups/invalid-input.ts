import { randomBytes } from 'node:crypto';
import type { ContractGroupFactory } from '../define.js';
import type { ContractContext } from '../context.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Every way of changing exactly one character of `token` at `index` into another URL-safe character, a few of them. */
function tamperedAt(token: string, index: number): string[] {
  const original = token[index]!;
  const replacements = [ALPHABET[(ALPHABET.indexOf(original) + 1) % ALPHABET.length]!, original === 'A' ? 'B' : 'A', original === '_' ? '-' : '_'];
  return [...new Set(replacements.filter((c) => c !== original))].map((c) => token.slice(0, index) + c + token.slice(index + 1));
}

async function expectInvalid<C>(ctx: ContractContext<C>, tokens: readonly unknown[], what: string): Promise<void> {
  const provider = await ctx.provider();
  for (const [i, token] of tokens.entries()) {
    await ctx.rejects(() => provider.setSessionToken(token as string), ['INVALID_TOKEN'], `setSessionToken(${what} #${i + 1})`);
    ctx.expect(provider.getSession(), `getSession() after a rejected ${what}`).toBeNull();
    ctx.expect(provider.getSessionToken(), `getSessionToken() after a rejected ${what}`).toBe('');
  }
}

export const invalidInputGroup: ContractGroupFactory = (options) => ({
  name: 'invalid tokens and credentials',
  tests: [
    {
      name: 'garbage tokens reject with INVALID_TOKEN',
      async body(ctx) {
        await expectInvalid(
          ctx,
          ['garbage', 'x', '', ' ', 'not a token!', 'a'.repeat(4097), randomBytes(48).toString('base64url'), 'eyJhbGciOiJub25lIn0.e30.', '%00%ff', 'AAAA.BBBB', 42, null, {}, { sessionToken: 'garbage', sessionJwt: null }],
          'garbage token',
        );
      },
    },
    {
      name: 'truncated tokens reject with INVALID_TOKEN',
      async body(ctx) {
        const { token } = await ctx.opened();
        const cuts = [token.slice(0, -1), token.slice(1), token.slice(0, Math.floor(token.length / 2)), token.slice(0, 8)];
        await expectInvalid(ctx, cuts, 'truncated token');
      },
    },
    {
      name: 'a token with one character changed rejects with INVALID_TOKEN',
      async body(ctx) {
        const { token } = await ctx.opened();
        const positions = [...new Set([0, 1, Math.floor(token.length / 3), Math.floor(token.length / 2), token.length - 2, token.length - 1])];
        await expectInvalid(ctx, positions.flatMap((p) => tamperedAt(token, p)), 'tampered token');
      },
    },
    ...(options.capabilities.jwt
      ? [
          {
            name: 'a valid session token with a tampered session JWT rejects with INVALID_TOKEN',
            async body(ctx: ContractContext<unknown>) {
              const { provider } = await ctx.opened();
              const { sessionToken, sessionJwt } = provider.getTokens()!;
              const [header, payload, signature] = sessionJwt!.split('.') as [string, string, string];
              const forged = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
              forged['sub'] = `${String(forged['sub'])}-someone-else`;
              const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
              await expectInvalid(ctx, [{ sessionToken, sessionJwt: tampered }], 'tampered JWT');
            },
          },
        ]
      : []),
    {
      name: 'bad credentials reject with BAD_CREDENTIALS',
      async body(ctx) {
        const provider = await ctx.provider();
        await ctx.rejects(async () => provider.open(await options.badCredentials()), ['BAD_CREDENTIALS'], 'open(bad credentials)');
        ctx.expect(provider.getSession(), 'getSession() after refused credentials').toBeNull();
      },
    },
  ],
});
