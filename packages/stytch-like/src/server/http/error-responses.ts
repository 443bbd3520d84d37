import { StytchLikeApiError } from '../../model/api-error.js';
import { FIELD_ERROR_TYPES } from './schemas.js';

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/**
 * Turns whatever reached Fastify's error handler into a {@link StytchLikeApiError}: service errors pass through,
 * body-parsing and schema failures become 400s with a precise `error_type`, everything else a bare 500.
 * Nothing from the request body is repeated (a malformed body may hold a token).
 */
export function toApiError(error: unknown): StytchLikeApiError {
  if (error instanceof StytchLikeApiError) return error;
  const fastifyError = error as {
    code?: unknown;
    statusCode?: unknown;
    validation?: unknown;
    validationContext?: unknown;
  };
  if (Array.isArray(fastifyError.validation)) {
    return fromValidation(
      fastifyError.validation as ValidationIssue[],
      typeof fastifyError.validationContext === 'string' ? fastifyError.validationContext : 'body',
    );
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new StytchLikeApiError('invalid_json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new StytchLikeApiError('invalid_json', { message: 'The request body is empty; send a JSON object.' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StytchLikeApiError('request_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new StytchLikeApiError('unsupported_media_type');
    default:
      break;
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Prototype-poisoned JSON, bad content length, and other refusals of the request itself.
    return new StytchLikeApiError('invalid_request_body', { statusCode: 400 });
  }
  return new StytchLikeApiError('internal_server_error', { cause: error });
}

function fromValidation(issues: ValidationIssue[], context: string): StytchLikeApiError {
  const issue = issues[0] ?? {};
  const where = context === 'querystring' ? 'query parameter' : 'field';
  const path = (issue.instancePath ?? '').split('/').filter(Boolean);
  if (issue.keyword === 'additionalProperties') {
    const name = describeName([...path, textParam(issue, 'additionalProperty')].join('.'));
    return new StytchLikeApiError('unknown_field', {
      message: `Unknown ${where} ${name}: this endpoint does not accept it.`,
    });
  }
  const field = issue.keyword === 'required' ? textParam(issue, 'missingProperty') : (path[0] ?? '');
  const errorType = FIELD_ERROR_TYPES[field] ?? 'invalid_request_body';
  if (path.length === 0 && issue.keyword !== 'required') {
    return new StytchLikeApiError('invalid_request_body', {
      message: `The request ${context === 'querystring' ? 'query' : 'body'} must be a JSON object.`,
    });
  }
  const problem = issue.keyword === 'required' ? 'is required' : describeProblem(issue);
  return new StytchLikeApiError(errorType, {
    message: `The ${where} ${describeName([...path].join('.') || field)} ${problem}.`,
  });
}

function describeProblem(issue: ValidationIssue): string {
  switch (issue.keyword) {
    case 'type':
      return `must be of type ${String(issue.params?.['type'])}`;
    case 'minimum':
    case 'maximum':
      return `must be ${issue.keyword === 'minimum' ? '>=' : '<='} ${String(issue.params?.['limit'])}`;
    case 'maxLength':
    case 'minLength':
      return `must have ${issue.keyword === 'minLength' ? 'at least' : 'at most'} ${String(issue.params?.['limit'])} characters`;
    default:
      return 'is not valid';
  }
}

/** A field name for a message: quoted, clipped, and limited to harmless characters. */
function describeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, '?');
  return `"${safe.length > 64 ? `${safe.slice(0, 64)}…` : safe}"`;
}

function textParam(issue: ValidationIssue, name: string): string {
  const value = issue.params?.[name];
  return typeof value === 'string' ? value : '';
}
