import { LOG_LEVELS } from '../http/logging.js';
import { STORE_URL_FORMS } from '../store/open-store.js';
import { DEFAULT_ROTATION_OVERLAP, ENV, MIN_SECRET_LENGTH, SERVE_DEFAULTS } from './arguments.js';

export const BIN = 'sessiontoken-stytch-like';

const SERVE_HELP = `Usage: ${BIN} serve [options]

Serves the Stytch-compatible session API at http://HOST:PORT/ (the official stytch SDK works against it with
env: 'http://HOST:PORT/'). Prints "listening on http://HOST:PORT" once ready; SIGTERM or SIGINT shut it down cleanly.

Options (each falls back to an environment variable):
  --port <n>           port, 0 for any free one          ${ENV.port}        default ${SERVE_DEFAULTS.port}
  --host <host>        address to listen on              ${ENV.host}        default ${SERVE_DEFAULTS.host}
  --store <url>        where sessions live               ${ENV.store}       default ${SERVE_DEFAULTS.store}
  --project-id <id>    project id (Basic-auth user, JWT audience)  ${ENV.projectId}  required
  --secret <secret>    project secret (Basic-auth password), at least ${MIN_SECRET_LENGTH} characters
                                                         ${ENV.secret}      required; prefer the variable:
                                                         a flag is visible in the process list
  --log-level <level>  ${LOG_LEVELS.join(', ')}
                                                         ${ENV.logLevel}   default ${SERVE_DEFAULTS.logLevel}
  -h, --help           show this help

Store URLs: ${STORE_URL_FORMS}.
  memory:                                   in this process only (tests)
  sqlite:./sessions.sqlite                  a SQLite file (WAL), created when missing: the embedded default
  postgres://postgres@127.0.0.1:5432/app    PostgreSQL via the "pg" package; ?schema=name (default stytch_like)
  redis://127.0.0.1:6379                    Redis via the "redis" package; ?prefix=name: (default stytch-like:)
Several servers may share one PostgreSQL or Redis store.

Logs are JSON lines on stderr; they never contain tokens, secrets or Authorization headers.

Example:
  ${ENV.secret}=$(openssl rand -hex 24) ${BIN} serve --project-id project-test-local --store sqlite:./sessions.sqlite
`;

const ROTATE_HELP = `Usage: ${BIN} rotate-keys --store <url> [--overlap <duration>] [--project-id <id>]

Creates a new JWT signing key in the store. Servers sharing the store sign with it within a minute; the previous
key stays in the JWKS for the overlap, so JWTs it signed keep verifying, then it is deleted.

Options:
  --store <url>        the store the servers use          ${ENV.store}       required
  --overlap <d>        how long the previous key stays in the JWKS, e.g. 30d, 12h, 90m (at least 5m)
                                                         default ${DEFAULT_ROTATION_OVERLAP}
  --project-id <id>    only sets the key id's test/live marker   ${ENV.projectId}
  -h, --help           show this help
`;

const MAIN_HELP = `Usage: ${BIN} <command> [options]

A self-hostable session service in Stytch's model: an opaque session_token that can be revoked at once, plus a
short-lived session_jwt (RS256, JWKS) that services can verify locally.

Commands:
  serve         run the HTTP API
  rotate-keys   start signing JWTs with a new key
  help [cmd]    show help (also: <command> --help)

Options:
  -h, --help    show this help
  -v, --version show the version

Exit codes: 0 success, 1 runtime failure (e.g. the store cannot be reached), 2 bad flags or environment variables.

${SERVE_HELP}
${ROTATE_HELP}`;

export function helpText(topic: 'serve' | 'rotate-keys' | undefined): string {
  if (topic === 'serve') return SERVE_HELP;
  if (topic === 'rotate-keys') return ROTATE_HELP;
  return MAIN_HELP;
}
