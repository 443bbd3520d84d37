const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A few ways of changing exactly one character of `token` at `index` into another URL-safe character. */
export function tamperedAt(token: string, index: number): string[] {
  const original = token[index]!;
  const replacements = [
    ALPHABET[(ALPHABET.indexOf(original) + 1) % ALPHABET.length]!,
    original === 'A' ? 'B' : 'A',
    original === '_' ? '-' : '_',
  ];
  return [...new Set(replacements.filter((c) => c !== original))].map(
    (c) => token.slice(0, index) + c + token.slice(index + 1),
  );
}

/** `jwt` with its subject claim changed and its signature kept: a forgery the backend must refuse. */
export function forgedJwt(jwt: string): string {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims['sub'] = `${String(claims['sub'])}-someone-else`;
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}
