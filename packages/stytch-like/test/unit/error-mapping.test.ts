import { describe, expect, it } from 'vitest';
import { toApiError } from '../../src/server/http/error-responses.js';
import { basicAuthMatches } from '../../src/server/http/basic-auth.js';
import { StytchLikeApiError } from '../../src/model/api-error.js';
import { toSessionTokenErrorFromApi } from '../../src/provider/error-mapping.js';
import { parseRetryAfter } from '../../src/provider/response-reading.js';

describe('mapping Stytch errors to core codes', () => {
  const code = (errorType: string, details?: Record<string, string>, statusCode?: number) =>
    toSessionTokenErrorFromApi(
      new StytchLikeApiError(errorType, { ...(details ? { details } : {}), ...(statusCode ? { statusCode } : {}) }),
      'stytch-like',
    ).code;

  it('maps session, credential, argument and availability errors', () => {
    expect(code('session_not_found')).toBe('INVALID_TOKEN');
    expect(code('session_not_found', { reason: 'session_expired' })).toBe('EXPIRED');
    expect(code('invalid_session_jwt')).toBe('INVALID_TOKEN');
    expect(code('unable_to_parse_session_jwt')).toBe('INVALID_TOKEN');
    expect(code('unauthorized_credentials')).toBe('BAD_CREDENTIALS');
    expect(code('invalid_session_duration_minutes')).toBe('INVALID_ARGUMENT');
    expect(code('service_unavailable')).toBe('UNAVAILABLE');
    expect(code('something_new', undefined, 503)).toBe('UNAVAILABLE');
    expect(code('invalid_secret_authentication')).toBe('BACKEND');
    expect(code('internal_server_error')).toBe('BACKEND');
  });

  it('keeps the given cause (the server error body over HTTP)', () => {
    const body = {
      status_code: 404,
      request_id: 'r',
      error_type: 'session_not_found',
      error_message: 'm',
      error_url: 'u',
    };
    const error = toSessionTokenErrorFromApi(
      new StytchLikeApiError('session_not_found', { cause: body }),
      'stytch-like',
      body,
    );
    expect(error.cause).toBe(body);
  });
});

describe('turning server failures into Stytch error bodies', () => {
  it('maps Fastify body errors and hides unexpected ones behind a bare 500', () => {
    expect(toApiError({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 })).toMatchObject({
      errorType: 'invalid_json',
      statusCode: 400,
    });
    expect(toApiError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).toMatchObject({
      errorType: 'request_too_large',
      statusCode: 400,
    });
    expect(
      toApiError({
        statusCode: 400,
        validation: [{ instancePath: '', keyword: 'additionalProperties', params: { additionalProperty: 'x"<y' } }],
      }),
    ).toMatchObject({
      errorType: 'unknown_field',
      message: expect.stringContaining('"x??y"'),
    });
    const hidden = toApiError(new Error('database password is hunter2'));
    expect(hidden).toMatchObject({ errorType: 'internal_server_error', statusCode: 500 });
    expect(JSON.stringify(hidden.toBody('r'))).not.toContain('hunter2');
  });
});

describe('HTTP Basic authentication', () => {
  const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  it('accepts exactly project_id:secret', () => {
    expect(
      basicAuthMatches(header('project-test-a', 'secret:with:colons'), 'project-test-a', 'secret:with:colons'),
    ).toBe(true);
    expect(basicAuthMatches(header('project-test-a', 'wrong'), 'project-test-a', 'secret:with:colons')).toBe(false);
    expect(
      basicAuthMatches(header('project-test-b', 'secret:with:colons'), 'project-test-a', 'secret:with:colons'),
    ).toBe(false);
    expect(basicAuthMatches(undefined, 'p', 's')).toBe(false);
    expect(basicAuthMatches('Basic !!!', 'p', 's')).toBe(false);
    expect(basicAuthMatches(`Basic ${Buffer.from('no-colon').toString('base64')}`, 'p', 's')).toBe(false);
  });

  it('reads Retry-After as seconds or an HTTP date, bounded to a day, and ignores anything else', () => {
    const now = Date.parse('2026-12-02T10:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('9999999999', now)).toBe(86_400);
    expect(parseRetryAfter('Wed, 02 Dec 2026 10:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 02 Dec 2026 09:00:00 GMT', now)).toBe(0);
    for (const bad of [
      undefined,
      null,
      '',
      '-1',
      '1.5',
      '1e3',
      '0x10',
      'soon',
      'Wed, 32 Dec 2026 10:00:30 GMT',
      '5, 6',
    ])
      expect(parseRetryAfter(bad, now), String(bad)).toBeUndefined();
  });

  it('passes the seconds a refusal asked for on as retryAfterMs, and nothing when it asked for none', () => {
    const refused = new StytchLikeApiError('too_many_requests', { retryAfterSeconds: 7 });
    expect(toSessionTokenErrorFromApi(refused, 'stytch-like')).toMatchObject({
      code: 'UNAVAILABLE',
      retryAfterMs: 7000,
    });
    expect(toSessionTokenErrorFromApi(new StytchLikeApiError('session_not_found'), 'stytch-like').retryAfterMs).toBe(
      undefined,
    );
  });
});
