import { inspect } from 'node:util';
import type { SessionTokenError, SessionTokens } from '@sessiontoken/core';
import type { ContractGroupFactory } from '../define.js';
import { ContractViolation } from '../context.js';
import { rejectedTokens } from '../rejected-tokens.js';

/** The secret strings of `value`: each token, and the tail of each (where a secret or signature sits). */
function secretsOf(value: string | SessionTokens): string[] {
  const tokens = typeof value === 'string' ? [value] : [value.sessionToken, value.sessionJwt ?? ''];
  return tokens.filter((t) => t.length >= 8).flatMap((t) => (t.length > 24 ? [t, t.slice(-16)] : [t]));
}

/** Every form of an error and its causes a log line or a response might carry. */
function formsOf(error: unknown): string[] {
  const forms: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || seen.has(value)) return;
    seen.add(value);
    forms.push(String(value), JSON.stringify(value) ?? '', inspect(value, { depth: 8 }));
    if (typeof value !== 'object' || value === null) return;
    const { message, cause, errors } = value as { message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof message === 'string') forms.push(message);
    if (cause !== undefined) visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return forms;
}

export const errorsGroup: ContractGroupFactory = (options) => ({
  id: 'errors',
  name: 'errors',
  tests: [
    {
      name: "no error's message, String(), JSON form or cause chain contains a token or JWT value",
      async body(ctx) {
        const { provider } = await ctx.opened();
        const live = await ctx.tokensOf(provider);
        const refused = await rejectedTokens(ctx, live);
        const errors: Array<{ label: string; error: SessionTokenError; secrets: string[] }> = [];
        const other = await ctx.provider();
        for (const { label, value, codes } of refused) {
          const error = await ctx.rejects(() => other.setSessionToken(value), codes, `setSessionToken(${label})`);
          errors.push({ label, error, secrets: [...secretsOf(value), ...secretsOf(live)] });
        }
        await ctx.within(other.close(), 'close()');
        const closed = await ctx.rejects(
          () => other.setSessionToken(live),
          ['CLOSED'],
          'setSessionToken(token) after close',
        );
        errors.push({ label: 'a closed provider', error: closed, secrets: secretsOf(live) });
        const refusedLogin = await ctx.rejects(
          async () => (await ctx.provider()).open(await options.badCredentials()),
          ['BAD_CREDENTIALS'],
          'open(bad credentials)',
        );
        errors.push({ label: 'bad credentials', error: refusedLogin, secrets: secretsOf(live) });
        for (const { label, error, secrets } of errors) {
          const forms = formsOf(error);
          const leaked = secrets.filter((secret) => forms.some((form) => form.includes(secret)));
          if (leaked.length > 0) {
            throw new ContractViolation(
              `the error for ${label} (${error.code}) carries ${leaked.length} token value(s) in its message, String(), JSON form or cause chain`,
            );
          }
        }
      },
    },
  ],
});
