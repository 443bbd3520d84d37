import type { FetchFunction } from '../../src/provider/sdk-client.js';

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** The host the cookie was set by (host-only), or its `Domain` (then it matches subdomains too). */
  readonly domain: string;
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly expiresAt: number;
}

/**
 * A browser's cookie jar for Node's `fetch`, which keeps no cookies: it stores what `Set-Cookie` answers set and
 * sends them back on `credentials: 'include'` requests to a matching host, path and scheme, as a browser does. The
 * provider under test only gets {@link CookieJar.fetch}; like page script, it never sees an HttpOnly cookie. The test
 * reads them with {@link CookieJar.value}, as a browser's developer tools show them.
 */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  /** A `fetch` that sends and keeps this jar's cookies. */
  readonly fetch: FetchFunction = async (input, init) => {
    const url = new URL(input);
    const headers = new Headers(init.headers);
    if (init.credentials === 'include') {
      const cookie = this.#matching(url)
        .map((stored) => `${stored.name}=${stored.value}`)
        .join('; ');
      if (cookie !== '') headers.set('cookie', cookie);
    }
    // No keep-alive: sockets are the browser's, not the page's; here each request's socket ends with its answer, so
    // that a closed provider leaves no socket open in this process.
    headers.set('connection', 'close');
    const response = await fetch(input, { ...init, headers });
    if (init.credentials === 'include') for (const line of response.headers.getSetCookie()) this.#store(url, line);
    return response;
  };

  /** The value of cookie `name` that a request to `url` would carry, or `undefined`. */
  value(url: string, name: string): string | undefined {
    return this.#matching(new URL(url)).find((stored) => stored.name === name)?.value;
  }

  /** Every stored cookie, for assertions on attributes. */
  all(): readonly StoredCookie[] {
    this.#dropExpired();
    return [...this.#cookies];
  }

  #matching(url: URL): StoredCookie[] {
    this.#dropExpired();
    const host = url.hostname;
    return this.#cookies.filter(
      (stored) =>
        (stored.hostOnly ? host === stored.domain : host === stored.domain || host.endsWith(`.${stored.domain}`)) &&
        (url.pathname === stored.path ||
          url.pathname.startsWith(stored.path.endsWith('/') ? stored.path : `${stored.path}/`)) &&
        (!stored.secure || url.protocol === 'https:'),
    );
  }

  #store(url: URL, line: string): void {
    const [pair = '', ...attributeTexts] = line.split(';').map((part) => part.trim());
    const equals = pair.indexOf('=');
    if (equals <= 0) return;
    const name = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    const attributes = new Map(
      attributeTexts.map((text) => {
        const at = text.indexOf('=');
        return at < 0 ? [text.toLowerCase(), ''] : [text.slice(0, at).toLowerCase(), text.slice(at + 1)];
      }),
    );
    const domainAttribute = attributes.get('domain')?.replace(/^\./, '').toLowerCase();
    // A cookie for a domain the answering host is not in is refused, as a browser refuses it.
    if (
      domainAttribute !== undefined &&
      url.hostname !== domainAttribute &&
      !url.hostname.endsWith(`.${domainAttribute}`)
    )
      return;
    const maxAge = attributes.get('max-age');
    const expires = attributes.get('expires');
    const expiresAt =
      maxAge !== undefined
        ? Date.now() + Number(maxAge) * 1000
        : expires !== undefined
          ? Date.parse(expires)
          : Number.POSITIVE_INFINITY;
    const cookie: StoredCookie = {
      name,
      value,
      domain: domainAttribute ?? url.hostname,
      hostOnly: domainAttribute === undefined,
      path: attributes.get('path') ?? '/',
      secure: attributes.has('secure'),
      httpOnly: attributes.has('httponly'),
      expiresAt,
    };
    this.#cookies = this.#cookies.filter(
      (stored) => !(stored.name === name && stored.domain === cookie.domain && stored.path === cookie.path),
    );
    if (expiresAt > Date.now()) this.#cookies.push(cookie);
  }

  #dropExpired(): void {
    const now = Date.now();
    this.#cookies = this.#cookies.filter((stored) => stored.expiresAt > now);
  }
}
