/** How the frontend-SDK API hands sessions to pages. */
export type SessionCookieMode = 'none' | 'httponly';

/** The two session-cookie modes, for the CLI and for checks. */
export const SESSION_COOKIE_MODES: readonly SessionCookieMode[] = ['none', 'httponly'];

/** Headers the official frontend SDK sends on every call (so every call is preflighted). */
export const SDK_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'X-SDK-Client', 'X-SDK-Parent-Host'] as const;

/**
 * Checks authorized origins: each exactly `scheme://host[:port]` (what a browser sends in `Origin`), http or https,
 * no path, no trailing slash, no wildcard. Returns them as a set; throws `TypeError` naming the first bad one.
 */
export function checkAllowedOrigins(origins: readonly string[] | undefined): ReadonlySet<string> {
  const checked = new Set<string>();
  for (const origin of origins ?? []) {
    let parsed: URL | undefined;
    try {
      parsed = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.origin !== origin) {
      throw new TypeError(
        `allowed origin ${JSON.stringify(String(origin).slice(0, 80))} must be exactly scheme://host[:port], e.g. https://app.example.com`,
      );
    }
    checked.add(origin);
  }
  return checked;
}

/**
 * Checks a cookie domain: a host name of at least two labels (the parent domain the API and the pages share, e.g.
 * `shop.example`), lower case, no leading dot, no port. Throws `TypeError`.
 */
export function checkCookieDomain(domain: string): string {
  if (
    typeof domain !== 'string' ||
    domain.length > 253 ||
    !/^(?=[a-z0-9-]{1,63}\.)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(
      domain,
    )
  ) {
    throw new TypeError('cookieDomain must be a lower-case host name of at least two labels, e.g. shop.example');
  }
  return domain;
}
