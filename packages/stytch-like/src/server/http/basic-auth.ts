import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks an `Authorization: Basic base64(project_id:secret)` header in constant time (both sides are hashed first,
 * so neither length nor content leaks through timing). A missing or malformed header fails.
 */
export function basicAuthMatches(header: string | undefined, projectId: string, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const idMatches = sameSecret(decoded.slice(0, colon), projectId);
  const secretMatches = sameSecret(decoded.slice(colon + 1), secret);
  return idMatches && secretMatches;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
