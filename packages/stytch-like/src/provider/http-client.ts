import http from 'node:http';
import https from 'node:https';
import type { SessionTokenError } from '@sessiontoken/core';
import { invalidArgument, stytchLikeError } from '../model/adapter.js';
import { parseBaseUrl } from './provider-options.js';
import { readResponse, scrub, secretsOf } from './response-reading.js';

/** Options for the HTTP client a provider uses. */
export interface StytchLikeHttpClientOptions {
  /** Origin of the server, e.g. `http://127.0.0.1:3300` (the API is served at the origin root). */
  readonly baseUrl: string;
  readonly projectId: string;
  /** The project secret; without it only unauthenticated endpoints (the JWKS) can be called. */
  readonly secret?: string;
  /** Longest time one request may take, connection included. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Most sockets open to the server at once. Default 16. */
  readonly maxSockets?: number;
  /** Largest response body accepted. Default 1 MiB. */
  readonly maxResponseBytes?: number;
}

/**
 * A small JSON client for the Stytch-like API over `node:http` / `node:https`, with its own keep-alive agent, so
 * that `close()` can destroy every socket it opened. Rejects with `SessionTokenError` (`UNAVAILABLE` for network
 * failures and timeouts, `PROTOCOL` for a body that is not JSON) or with `StytchLikeApiError` for an error
 * response, which the caller maps.
 */
export class StytchLikeHttpClient {
  readonly baseUrl: URL;
  readonly projectId: string;
  readonly #authorization: string | undefined;
  readonly #agent: http.Agent;
  readonly #transport: typeof http | typeof https;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  #closed = false;

  constructor(options: StytchLikeHttpClientOptions) {
    const baseUrl = parseBaseUrl(options.baseUrl);
    if (typeof options.projectId !== 'string' || options.projectId === '') {
      throw invalidArgument('projectId must be a non-empty string');
    }
    if (options.secret !== undefined && (typeof options.secret !== 'string' || options.secret === '')) {
      throw invalidArgument('secret must be a non-empty string');
    }
    this.baseUrl = baseUrl;
    this.projectId = options.projectId;
    this.#authorization =
      options.secret === undefined
        ? undefined
        : `Basic ${Buffer.from(`${options.projectId}:${options.secret}`, 'utf8').toString('base64')}`;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.#transport = baseUrl.protocol === 'https:' ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16, timeout: 5000 };
    this.#agent = baseUrl.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Sends a request and resolves with the parsed JSON object of a 2xx response. */
  async request(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: object; authenticate?: boolean } = {},
  ): Promise<Record<string, unknown>> {
    try {
      return await this.#send(method, path, options);
    } catch (error) {
      // A kept-alive socket closed before any byte of the answer: the server may have closed it idle, so one retry.
      if ((error as { retryable?: boolean }).retryable === true) return this.#send(method, path, options);
      throw error;
    }
  }

  /** Destroys every socket, idle or busy; requests in flight reject with `UNAVAILABLE`. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#agent.destroy();
  }

  #send(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: object; authenticate?: boolean },
  ): Promise<Record<string, unknown>> {
    if (this.#closed) return Promise.reject(stytchLikeError('CLOSED', 'the HTTP client was closed'));
    const url = new URL(path, this.baseUrl);
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'sessiontoken-stytch-like' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (options.authenticate !== false) {
      if (!this.#authorization) return Promise.reject(invalidArgument('this client has no secret'));
      headers['authorization'] = this.#authorization;
    }

    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | null, value?: Record<string, unknown>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(value as Record<string, unknown>);
      };
      const request = this.#transport.request(url, { method, headers, agent: this.#agent }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxResponseBytes) {
            request.destroy();
            finish(stytchLikeError('PROTOCOL', `the response body is larger than ${this.#maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => finish(unavailable(method, url, error)));
        response.on('aborted', () => finish(unavailable(method, url, new Error('the response was aborted'))));
        response.on('end', () => {
          try {
            finish(
              null,
              readResponse(
                response.statusCode ?? 0,
                scrub(Buffer.concat(chunks).toString('utf8'), secretsOf(options.body)),
                response.headers['retry-after'],
              ),
            );
          } catch (error) {
            finish(error as Error); // readResponse throws SessionTokenError only
          }
        });
      });
      const timer = setTimeout(() => {
        request.destroy(new Error(`no answer within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      // Bytes the socket had read before this request: more at the error means the server had begun to answer it.
      let readBefore = 0;
      request.once('socket', (socket) => (readBefore = socket.bytesRead));
      request.on('error', (error: NodeJS.ErrnoException) => {
        // Once part of the answer arrived, the server did handle the request: sending it again could log in twice.
        const answerBegun = (request.socket?.bytesRead ?? readBefore) > readBefore;
        if (request.reusedSocket && error.code === 'ECONNRESET' && !answerBegun && !settled) {
          settled = true;
          clearTimeout(timer);
          reject(Object.assign(unavailable(method, url, error), { retryable: true }));
          return;
        }
        finish(
          this.#closed
            ? stytchLikeError('CLOSED', 'the HTTP client was closed during the request', { cause: error })
            : unavailable(method, url, error),
        );
      });
      request.end(payload);
    });
  }
}

function unavailable(method: string, url: URL, cause: unknown): SessionTokenError {
  const reason = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : 'error';
  return stytchLikeError('UNAVAILABLE', `${method} ${url.pathname} failed: ${reason}`, { cause });
}
