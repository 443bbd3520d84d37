import { createHash, randomBytes } from 'node:crypto';
import { secretHashesMatch } from '../store/session-store.js';

/**
 * A session token is `<id><secret>`: 16 base64url characters of random id (96 bits) followed by 28 of random secret
 * (168 bits), 44 characters in all like Stytch's. The store keeps the id and the SHA-256 of the secret only; a
 * token is accepted when the hash of its secret matches in constant time (the Lucia scheme).
 */
export const SESSION_TOKEN_LENGTH = 44;
const ID_BYTES = 12;
const SECRET_BYTES = 21;
const ID_LENGTH = 16;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{44}$/;

/** A fresh token and what the store keeps of it. */
export interface IssuedSessionToken {
  readonly token: string;
  readonly tokenId: string;
  readonly secretHash: string;
}

/** The two halves of a well-formed token. */
export interface ParsedSessionToken {
  readonly tokenId: string;
  readonly secret: string;
}

export function issueSessionToken(): IssuedSessionToken {
  const tokenId = randomBytes(ID_BYTES).toString('base64url');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { token: tokenId + secret, tokenId, secretHash: hashTokenSecret(secret) };
}

/** Splits a token into id and secret, or returns `null` when it is not shaped like one of ours. */
export function parseSessionToken(token: unknown): ParsedSessionToken | null {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
  return { tokenId: token.slice(0, ID_LENGTH), secret: token.slice(ID_LENGTH) };
}

/** Lower-case hex SHA-256 of a token secret: what the store keeps. */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares the hash of `secret` with a stored hash in constant time. */
export function tokenSecretMatches(secret: string, storedHash: string): boolean {
  return secretHashesMatch(storedHash, hashTokenSecret(secret));
}
