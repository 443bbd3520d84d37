import { stytchLikeError } from '../model/adapter.js';
import { StytchLikeApiError } from '../model/api-error.js';
import { isPlainObject } from '../model/json.js';

// Reading the server's answers, shared by the Node HTTP client and the browser's fetch client.

/** Values of the request that must not come back in an error: a hostile or broken server may echo them. */
export function secretsOf(body: object | undefined, ...more: readonly string[]): string[] {
  const fromBody = body
    ? Object.entries(body)
        .filter(
          (entry): entry is [string, string] =>
            /^(session_token|session_jwt|password)$/.test(entry[0]) && typeof entry[1] === 'string' && entry[1] !== '',
        )
        .map(([, value]) => value)
    : [];
  return [...fromBody, ...more.filter((value) => value !== '')];
}

/** The response text with every echoed secret of the request cut out, before any of it can reach an error. */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.replaceAll(secret, '[redacted]');
  return result;
}

/**
 * What a malformed answer looked like, for an error's `cause`: its status, size and field names, never its values
 * (a 2xx answer carries freshly issued tokens).
 */
export function describeBody(status: number, body: unknown, bytes?: number): Record<string, unknown> {
  const shape = isPlainObject(body)
    ? { fields: Object.keys(body).slice(0, 32) }
    : { type: Array.isArray(body) ? 'array' : body === null ? 'null' : typeof body };
  return { status, ...(bytes === undefined ? {} : { bytes }), ...shape };
}

/** The longest `Retry-After` taken from a server: a day. A longer one is read as a day. */
const MAX_RETRY_AFTER_SECONDS = 86_400;

/**
 * A `Retry-After` header's value in whole seconds from `now`: delta-seconds or an HTTP date (RFC 9110), at least 0,
 * at most a day; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  let seconds: number;
  if (/^\d{1,10}$/.test(text)) seconds = Number(text);
  else if (/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - now) / 1000);
  } else return undefined;
  return Math.min(Math.max(seconds, 0), MAX_RETRY_AFTER_SECONDS);
}

/**
 * Parses a response: a 2xx JSON object, or a Stytch error body turned into {@link StytchLikeApiError} (with the
 * seconds of `retryAfter`, the response's `Retry-After` header, when it has one).
 */
export function readResponse(status: number, text: string, retryAfter?: string | null): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // Not the SyntaxError: its message quotes the text.
    throw stytchLikeError('PROTOCOL', `the server answered ${status} with a body that is not JSON`, {
      cause: { status, bytes: text.length },
    });
  }
  if (!isPlainObject(body))
    throw stytchLikeError('PROTOCOL', `the server answered ${status} with JSON that is not an object`, {
      cause: describeBody(status, body),
    });
  if (status >= 200 && status < 300) return body;
  if (typeof body['error_type'] !== 'string') {
    throw stytchLikeError('PROTOCOL', `the server answered ${status} without a Stytch error body`, {
      cause: describeBody(status, body),
    });
  }
  const details = isPlainObject(body['error_details'])
    ? Object.fromEntries(
        Object.entries(body['error_details']).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      )
    : undefined;
  throw new StytchLikeApiError(body['error_type'], {
    statusCode: status,
    message: typeof body['error_message'] === 'string' ? body['error_message'] : body['error_type'],
    ...(details ? { details } : {}),
    ...(typeof body['request_id'] === 'string' ? { requestId: body['request_id'] } : {}),
    ...retryAfterOption(parseRetryAfter(retryAfter)),
    cause: body,
  });
}

function retryAfterOption(seconds: number | undefined): { retryAfterSeconds?: number } {
  return seconds === undefined ? {} : { retryAfterSeconds: seconds };
}
