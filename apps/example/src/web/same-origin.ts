import type { IncomingHttpHeaders } from 'node:http';

/** `Sec-Fetch-Site` values a browser sends for a request the shop's own pages (or the user's address bar) made. */
const ALLOWED_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * Why a state-changing request must be refused as cross-origin, or `null` when it may proceed.
 *
 * Every browser the shop supports sends `Origin` on a form POST, and current ones add `Sec-Fetch-Site`; a request
 * with neither comes from a non-browser client (curl, a script), which a forged page cannot be. `Origin: null`
 * (sandboxed frames, privacy-stripped redirects) is refused: it is never the shop's own origin.
 */
export function crossOriginReason(headers: IncomingHttpHeaders, ownOrigin: string): string | null {
  const origin = headers.origin;
  if (origin !== undefined && origin !== ownOrigin) return 'the request came from another origin';
  const site = headers['sec-fetch-site'];
  if (site !== undefined && !ALLOWED_FETCH_SITES.has(String(site)))
    return 'the request came from another site or origin';
  return null;
}

/**
 * The origin the browser sees the shop at: the configured one, else the scheme the shop is reached by and the
 * request's `Host` (which a forged page cannot choose: the browser sets it to the shop's own host).
 */
export function ownOrigin(configured: string | undefined, https: boolean, host: string | undefined): string {
  if (configured) return configured;
  return `${https ? 'https' : 'http'}://${(host ?? '').toLowerCase()}`;
}
