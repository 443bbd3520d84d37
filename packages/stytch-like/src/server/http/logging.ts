import type { FastifyServerOptions } from 'fastify';

/** Log levels the server accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where and how much the server logs. */
export interface ServerLogOptions {
  readonly level?: LogLevel;
  /** Destination of the JSON log lines. Default: stdout. */
  readonly stream?: { write(line: string): unknown };
}

/**
 * Logger options that never write a token, a secret or an Authorization header: requests are logged as method,
 * path (no query string) and id; responses as status; errors as type, code and message (no `cause`, which may be a
 * driver error quoting data). Bodies and headers are never logged, and the paths below are censored in case a
 * future log call passes one.
 */
export function serverLoggerOptions(options: ServerLogOptions): NonNullable<FastifyServerOptions['logger']> {
  return {
    level: options.level ?? 'info',
    ...(options.stream ? { stream: options.stream } : {}),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'body.password',
        'body.session_token',
        'body.session_jwt',
        '*.password',
        '*.session_token',
        '*.session_jwt',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (request: { method?: string; url?: string; id?: unknown }) => ({
        method: request.method,
        path: typeof request.url === 'string' ? request.url.split('?')[0] : undefined,
        id: request.id,
      }),
      res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      err: (error: { name?: string; code?: unknown; message?: string; stack?: string }) => ({
        type: error.name,
        code: error.code,
        message: error.message,
        stack: error.stack,
      }),
    },
  } as NonNullable<FastifyServerOptions['logger']>;
}
