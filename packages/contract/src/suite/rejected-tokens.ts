import type { SessionTokenErrorCode, SessionTokenProvider, SessionTokens } from '@sessiontoken/core';
import type { ContractContext } from './context.js';
import { forgedJwt, tamperedAt } from './tampering.js';

/** A token the backend must refuse, and the codes it may refuse it with. */
export interface RejectedToken {
  readonly label: string;
  readonly value: string | SessionTokens;
  readonly codes: readonly SessionTokenErrorCode[];
}

/** Tokens to refuse, made from a live session's `tokens`: garbage, tampered, truncated, forged, expired, revoked. */
export async function rejectedTokens<C>(ctx: ContractContext<C>, tokens: SessionTokens): Promise<RejectedToken[]> {
  const { options } = ctx;
  const { sessionToken, sessionJwt } = tokens;
  const invalid: readonly SessionTokenErrorCode[] = ['INVALID_TOKEN'];
  const list: RejectedToken[] = [
    { label: 'a garbage token', value: 'garbage', codes: invalid },
    {
      label: 'a tampered token',
      value: tamperedAt(sessionToken, Math.floor(sessionToken.length / 2))[0]!,
      codes: invalid,
    },
    {
      label: 'a token with its last character changed',
      value: tamperedAt(sessionToken, sessionToken.length - 1)[0]!,
      codes: invalid,
    },
    { label: 'a truncated token', value: sessionToken.slice(0, -1), codes: invalid },
  ];
  if (options.capabilities.jwt && sessionJwt) {
    list.push({ label: 'a forged JWT', value: { sessionToken, sessionJwt: forgedJwt(sessionJwt) }, codes: invalid });
  }
  if (options.expiry.expiredToken) {
    const expired = await ctx.within(options.expiry.expiredToken(), 'expiry.expiredToken()');
    list.push({ label: 'an expired token', value: expired, codes: [options.expiry.code] });
  }
  if (options.capabilities.serverRevocation) {
    const { provider, token } = await ctx.opened();
    await ctx.within(provider.revoke(), 'revoke()');
    list.push({ label: 'a revoked token', value: token, codes: options.revokedCodes ?? ['REVOKED', 'INVALID_TOKEN'] });
  }
  return list;
}

/** What a provider holds, as text: compared before and after an operation that must not change it. */
export function heldState(provider: SessionTokenProvider<never, never>): string {
  return JSON.stringify(
    { token: provider.getSessionToken(), tokens: provider.getTokens(), session: provider.getSession() },
    null,
    1,
  );
}
