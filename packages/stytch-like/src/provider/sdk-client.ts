import { invalidArgument, stytchLikeError } from '../model/adapter.js';
import { isPlainObject } from '../model/json.js';
import { describeBody, readResponse, scrub, secretsOf } from './response-reading.js';

/** The `fetch` a client uses: the page's own, or one that keeps cookies where the runtime does not (Node). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Options for the client of the frontend-SDK API (`/sdk/v1`). */
export interface StytchLikeSdkClientOptions {
  /** Origin of the Stytch-like server, e.g. `https://api.shop.example` (the SDK API is under `/sdk/v1`). */
  readonly baseUrl: string;
  /** The project's public token (`public-token-test-…`), printed by the server's `serve`. */
  readonly publicToken: string;
  /**
   * The `fetch` to call. Default: the global `fetch`. Requests are made with `credentials: 'include'`, so that in a
   * browser the session cookies of the API's domain travel with them; a runtime without a cookie jar (Node) needs a
   * `fetch` that keeps cookies for the HttpOnly mode.
   */
  readonly fetch?: FetchFunction;
  /** Longest time one request may take. Default 10 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * A JSON client for the frontend-SDK API over `fetch`, as the official frontend SDK calls it: `Authorization: Basic
 * base64(public_token:X)` with X the session token or the public token again, credentials included, answers
 * unwrapped from `{ "data": … }`. Requests go one at a time, so answers that set cookies apply in the order the
 * calls were made. Rejects with `SessionTokenError` (`UNAVAILABLE`, `PROTOCOL`, `CLOSED`) or with the server's
 * error as `StytchLikeApiError`.
 */
export class StytchLikeSdkClient {
  readonly #baseUrl: string;
  readonly #publicToken: string;
  readonly #fetch: FetchFunction;
  readonly #timeoutMs: number;
  readonly #inFlight = new Set<AbortController>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: StytchLikeSdkClientOptions) {
    let baseUrl: URL;
    try {
      baseUrl = new URL(options.baseUrl);
    } catch {
      throw invalidArgument('baseUrl is not a valid URL');
    }
    if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
      throw invalidArgument('baseUrl must be an http: or https: URL');
    }
    if (typeof options.publicToken !== 'string' || !/^[\w-]{1,200}$/.test(options.publicToken)) {
      throw invalidArgument('publicToken must be the project public token, e.g. public-token-test-…');
    }
    const fetchFunction = options.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
    if (typeof fetchFunction !== 'function') throw invalidArgument('there is no global fetch: pass options.fetch');
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw invalidArgument('timeoutMs must be a positive integer');
    this.#baseUrl = baseUrl.origin;
    this.#publicToken = options.publicToken;
    this.#fetch = fetchFunction;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Calls `<baseUrl>/sdk/v1<path>` and resolves with the `data` of a 2xx answer. `sessionToken` goes in the Basic
   * password; without it the public token does, and the session is the cookie's.
   */
  request(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: object; sessionToken?: string } = {},
  ): Promise<Record<string, unknown>> {
    const run = () => this.#send(method, path, options);
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Aborts requests in flight and refuses new ones (`CLOSED`). Idempotent. */
  close(): void {
    this.#closed = true;
    for (const controller of this.#inFlight) controller.abort();
    this.#inFlight.clear();
  }

  async #send(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: object; sessionToken?: string },
  ): Promise<Record<string, unknown>> {
    if (this.#closed) throw stytchLikeError('CLOSED', 'the SDK client was closed');
    const password = options.sessionToken ?? this.#publicToken;
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Basic ${btoa(`${this.#publicToken}:${password}`)}`,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const controller = new AbortController();
    this.#inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
    const label = `${method} /sdk/v1${path}`;
    let status: number;
    let text: string;
    try {
      const response = await this.#fetch(`${this.#baseUrl}/sdk/v1${path}`, {
        method,
        headers,
        credentials: 'include',
        signal: controller.signal,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (this.#closed) throw stytchLikeError('CLOSED', `${label} was cut short by close()`);
      const reason = controller.signal.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : error instanceof Error
          ? error.message
          : 'error';
      throw stytchLikeError('UNAVAILABLE', `${label} failed: ${reason}`, { cause: error });
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
    // An answer carries the session's tokens by design; an error must not, so only errors are scrubbed of them.
    const ok = status >= 200 && status < 300;
    const body = readResponse(status, ok ? text : scrub(text, secretsOf(options.body, options.sessionToken ?? '')));
    const data = body['data'];
    if (!isPlainObject(data)) {
      throw stytchLikeError('PROTOCOL', `the server answered ${label} without a { data } object`, {
        cause: describeBody(status, body),
      });
    }
    return data;
  }
}
