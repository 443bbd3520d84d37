import type { SessionInfo, SessionTokens } from './types.js';

/**
 * A copy of `info` the caller may keep without reaching the provider's state: fresh `Date`s (a frozen `Date` can
 * still be changed with `setTime`), attributes cloned, every object in it frozen.
 */
export function snapshotSessionInfo(info: SessionInfo): SessionInfo {
  return Object.freeze({
    sessionId: info.sessionId,
    subject: info.subject,
    startedAt: copyDate(info.startedAt),
    expiresAt: copyDate(info.expiresAt),
    lastAccessedAt: copyDate(info.lastAccessedAt),
    attributes: deepFreeze(structuredClone(info.attributes)),
  });
}

/** A frozen copy of `tokens`, so that changing what `getTokens()` returned cannot change the held token. */
export function snapshotSessionTokens(tokens: SessionTokens): SessionTokens {
  return Object.freeze({ sessionToken: tokens.sessionToken, sessionJwt: tokens.sessionJwt });
}

function copyDate(date: Date | null): Date | null {
  return date === null ? null : new Date(date.getTime());
}

/** Freezes `value` and every object inside it (attributes hold nested claims and factor lists). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null)
    for (const child of Object.values(Object.freeze(value))) deepFreeze(child);
  return value;
}
