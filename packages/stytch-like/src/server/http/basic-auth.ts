import { createHash, timingSafeEqual } from 'node:crypto';

/** Shortest project secret the server accepts (library and CLI alike). */
export const MIN_SECRET_LENGTH = 16;

/**
 * Checks project secrets: at least {@link MIN_SECRET_LENGTH} characters each, at least one, no duplicates.
 * Returns them as a list (one secret, or several while a secret rotates). Messages never repeat a secret.
 */
export function checkProjectSecrets(secret: string | readonly string[]): readonly string[] {
  const secrets: unknown[] =
    typeof secret === 'string' ? [secret] : Array.isArray(secret) ? [...(secret as unknown[])] : [];
  if (secrets.length === 0) throw new TypeError('secret must be a string or a non-empty list of strings');
  for (const [index, value] of secrets.entries()) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
      const which = secrets.length > 1 ? `secret ${index + 1}` : 'secret';
      throw new TypeError(`${which} must be a string of at least ${MIN_SECRET_LENGTH} characters`);
    }
  }
  if (new Set(secrets).size !== secrets.length) throw new TypeError('the same secret is given twice');
  return secrets as string[];
}

/**
 * Checks an `Authorization: Basic base64(project_id:secret)` header in constant time against every accepted secret
 * (both sides are hashed first and every secret is compared, so neither length, content nor which secret matched
 * leaks through timing). A missing or malformed header fails.
 */
export function basicAuthMatches(
  header: string | undefined,
  projectId: string,
  secrets: string | readonly string[],
): boolean {
  const credentials = parseBasicAuth(header);
  if (!credentials) return false;
  const idMatches = sameSecret(credentials.user, projectId);
  const given = credentials.password;
  let secretMatches = false;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    // No early exit: every secret is compared.
    secretMatches = sameSecret(given, secret) || secretMatches;
  }
  return idMatches && secretMatches;
}

/** The user name and password of an `Authorization: Basic base64(user:password)` header; `null` when malformed. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (typeof header !== 'string') return null;
  const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
