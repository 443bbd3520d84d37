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
    attributes: copyAttributes(info.attributes),
  });
}

/**
 * A frozen deep copy of `attributes`. Flat attributes (strings, numbers, booleans, null: what most adapters report)
 * are copied key by key; anything else goes through `structuredClone`, which costs several times more (and refuses
 * what cannot be cloned, such as a function).
 */
function copyAttributes(attributes: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(attributes)) {
    const value = attributes[key];
    // An assignment to `__proto__` would set the copy's prototype instead of a key.
    const kind = typeof value;
    // Stryker disable next-line LogicalOperator,ConditionalExpression,EqualityOperator: a condition true more often only sends more attributes through structuredClone, which copies them alike (false too often, the tests catch it)
    if ((kind === 'object' && value !== null) || kind === 'function' || kind === 'symbol' || key === '__proto__')
      return deepFreeze(structuredClone(attributes));
    copy[key] = value;
  }
  return Object.freeze(copy);
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
