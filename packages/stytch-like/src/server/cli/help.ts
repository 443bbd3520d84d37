import { LOG_LEVELS } from '../http/logging.js';
import { MAX_JWT_REUSE_SECONDS } from '../service/session-jwt-cache.js';
import { STORE_URL_FORMS } from '../store/open-store.js';
import {
  DEFAULT_ROTATION_OVERLAP,
  ENV,
  MAX_WORKERS,
  MIN_SECRET_LENGTH,
  SCRYPT_LOG_COST_ENV,
  SCRYPT_PARALLELIZATION_ENV,
  SERVE_DEFAULTS,
  type CommandName,
} from './arguments.js';

export const BIN = 'sessiontoken-stytch-like';

const SERVE_HELP = `Usage: ${BIN} serve [options]

Serves the Stytch-compatible session API at https://HOST:PORT/ with --tls-cert and --tls-key, else http://HOST:PORT/
(the official stytch SDK works against it with env: 'https://HOST:PORT/'), and the frontend-SDK API under /sdk/v1
(the official @stytch/vanilla-js works against it with customBaseUrl, over HTTPS on port 443). Plain HTTP is
refused on an address other than loopback unless --insecure-http is given (for a TLS-terminating proxy in front).
Prints the project's public token ("public token public-token-test-…", kept in the store) and then
"listening on https://HOST:PORT" once ready; SIGTERM or SIGINT shut it down cleanly.

Options (each falls back to an environment variable):
  --port <n>           port, 0 for any free one          ${ENV.port}        default ${SERVE_DEFAULTS.port}
  --host <host>        address to listen on              ${ENV.host}        default ${SERVE_DEFAULTS.host}
  --store <url>        where sessions live               ${ENV.store}       default ${SERVE_DEFAULTS.store}
  --project-id <id>    project id (Basic-auth user, JWT audience)  ${ENV.projectId}  required
  --secret <secret>    project secret (Basic-auth password), at least ${MIN_SECRET_LENGTH} characters
                                                         ${ENV.secret}      required; prefer the variable:
                                                         a flag is visible in the process list
                       or several at once, comma-separated, while a secret rotates:  ${ENV.secrets}
  --tls-cert <file>    certificate chain (PEM) to serve HTTPS     ${ENV.tlsCert}
  --tls-key <file>     its private key (PEM)                     ${ENV.tlsKey}
  --insecure-http      allow plain HTTP on a non-loopback address ${ENV.insecureHttp}=1
  --max-session-lifetime <d>  absolute session lifetime, e.g. 30d ${ENV.maxSessionLifetime}  default 366d
  --expired-jwt-max-age <d>   how long past exp a session_jwt still finds its session, e.g. 1h, 0s
                                                         ${ENV.expiredJwtMaxAge}  default 1h
  --allowed-origin <origin>  a page origin (https://app.example.com) that may call the frontend-SDK API at
                       /sdk/v1 with credentialed CORS; repeat for several. Other origins get 403.
                                                         ${ENV.allowedOrigins} (comma-separated)
  --session-cookies <mode>   none: tokens in the answer body, kept by the SDK in the page's cookies (default);
                       httponly: HttpOnly; Secure; SameSite=Lax cookies stytch_session and stytch_session_jwt,
                       tokens left out of the body (the SDK's getTokens() is null)   ${ENV.sessionCookies}
  --cookie-domain <domain>   Domain of the HttpOnly cookies: the parent domain of the API and the pages, e.g.
                       shop.example for api.shop.example and app.shop.example   ${ENV.cookieDomain}
  --jwt-alg <alg>      session_jwt signing algorithm: RS256, ES256 (P-256) or EdDSA (Ed25519)
                                                         ${ENV.jwtAlg}  default RS256; a change rotates the key
  --jwt-reuse-seconds <n>    answer sessions/authenticate with the session's current session_jwt while it is
                       younger than n seconds and says the same things (its iat and last_accessed_at claim then lag;
                       the answer's session is current); saves a signature per check. 0 to ${MAX_JWT_REUSE_SECONDS}
                                                         ${ENV.jwtReuseSeconds}  default 0 (a fresh JWT each time, as Stytch)
  --workers <n|auto>   processes serving the port: auto for one per core, 1 to ${MAX_WORKERS}; more than one needs a
                       SQLite file, PostgreSQL or Redis store (see "Workers" below)
                                                         ${ENV.workers}     default ${SERVE_DEFAULTS.workers}
  --log-level <level>  ${LOG_LEVELS.join(', ')}
                                                         ${ENV.logLevel}   default ${SERVE_DEFAULTS.logLevel}
  -h, --help           show this help

Environment only:
  ${ENV.keyEncryptionKey}   key-encryption key for the private signing keys at rest (AES-256-GCM):
                         32 bytes as base64 or hex (openssl rand -base64 32); comma-separated while it rotates,
                         the first encrypts. Required when the store's keys are encrypted.

Store URLs: ${STORE_URL_FORMS}.
  memory:                                   in this process only (tests)
  sqlite:./sessions.sqlite                  a SQLite file (WAL), created when missing: the embedded default
  postgres://postgres@127.0.0.1:5432/app    PostgreSQL via the "pg" package; ?schema=name (default stytch_like)
  redis://127.0.0.1:6379                    Redis via the "redis" package; ?prefix=name: (default stytch-like:)
  redis+cluster://10.0.0.1:7000,10.0.0.2:7000
                                            a Redis Cluster (any reachable node finds the rest; rediss+cluster:// for
                                            TLS); ?prefix=name: as above
Several servers may share one PostgreSQL or Redis store.

Workers: with --workers above 1 this process prepares the store (signing key, public token), forks the workers
(node:cluster; it hands each new connection to the next worker), prints the one "listening on" line once all of them
listen, and starts a worker again when one dies (stopping with exit code 1 after 6 deaths in a minute). SIGTERM or
SIGINT drains every worker; a worker whose primary is gone exits. Sessions, signing keys and brute-force counters
live in the store and are shared; password hashing capacity and held 429 answers are per worker; only worker 1
sweeps expired sessions.

Logs are JSON lines on stderr; they never contain tokens, secrets or Authorization headers.

Password hashes: scrypt N = 2^14, r = 8, p = 5 (16 MiB; one of OWASP's minimum settings); ${SCRYPT_LOG_COST_ENV}
(log2 N, 10 to 20) and ${SCRYPT_PARALLELIZATION_ENV} (p, 1 to 16) set new hashes' cost, e.g. 17 and 1 for OWASP's
N = 2^17, p = 1 (128 MiB); below the default only for tests. Weaker older hashes are re-hashed on the owner's next
login. Logins are limited per email (10 failures in 15 minutes lock it for the rest of the window) and per client
address (100 failures, 100 sign-ups); refusals are 429 too_many_requests with Retry-After.

Example:
  ${ENV.secret}=$(openssl rand -hex 24) ${BIN} serve --project-id project-test-local --store sqlite:./sessions.sqlite
`;

const ROTATE_HELP = `Usage: ${BIN} rotate-keys --store <url> [--overlap <d> | --drop-previous] [--project-id <id>]

Creates a new JWT signing key in the store. Servers sharing the store sign with it within a minute; the previous
key's private half is erased at once, its public half stays in the JWKS for the overlap, so JWTs it signed keep
verifying, then it is deleted. With --drop-previous (a compromised key) the previous keys are deleted at once:
JWTs they signed stop verifying within a minute everywhere. Reads ${ENV.keyEncryptionKey} to encrypt the new key.

Options:
  --store <url>        the store the servers use          ${ENV.store}       required
  --overlap <d>        how long the previous key stays in the JWKS, e.g. 30d, 12h, 90m (at least 5m)
                                                         default ${DEFAULT_ROTATION_OVERLAP}
  --drop-previous      delete the previous keys now instead
  --jwt-alg <alg>      the new key's algorithm: RS256, ES256 or EdDSA   ${ENV.jwtAlg}  default RS256
                       (servers signing with another would rotate back: give them the same --jwt-alg)
  --project-id <id>    only sets the key id's test/live marker   ${ENV.projectId}
  -h, --help           show this help
`;

const ENCRYPT_HELP = `Usage: ${ENV.keyEncryptionKey}=<key> ${BIN} encrypt-keys --store <url>

Encrypts the private signing keys of a store (AES-256-GCM under the key-encryption key), re-encrypts those under an
older key when ${ENV.keyEncryptionKey} lists several (the first encrypts), and erases the private half of retired
keys. Servers must then start with ${ENV.keyEncryptionKey}.

Options:
  --store <url>        the store the servers use          ${ENV.store}       required
  -h, --help           show this help
`;

const REVOKE_HELP = `Usage: ${BIN} revoke-sessions --store <url> --user-id <id>

Ends every session of a user at once ("sign out everywhere"); their session tokens and JWTs stop working.

Options:
  --store <url>        the store the servers use          ${ENV.store}       required
  --user-id <id>       the user
  -h, --help           show this help
`;

const MAIN_HELP = `Usage: ${BIN} <command> [options]

A self-hostable session service in Stytch's model: an opaque session_token that can be revoked at once, plus a
short-lived session_jwt (RS256 by default, ES256 or EdDSA with --jwt-alg; JWKS) that services can verify locally.

Commands:
  serve            run the HTTP API
  rotate-keys      start signing JWTs with a new key
  encrypt-keys     encrypt the private signing keys of a store
  revoke-sessions  end every session of a user
  help [cmd]       show help (also: <command> --help)

Options:
  -h, --help    show this help
  -v, --version show the version

Exit codes: 0 success, 1 runtime failure (e.g. the store cannot be reached), 2 bad flags or environment variables.

${SERVE_HELP}
${ROTATE_HELP}
${ENCRYPT_HELP}
${REVOKE_HELP}`;

const TOPICS: Record<CommandName, string> = {
  serve: SERVE_HELP,
  'rotate-keys': ROTATE_HELP,
  'encrypt-keys': ENCRYPT_HELP,
  'revoke-sessions': REVOKE_HELP,
};

export function helpText(topic: CommandName | undefined): string {
  return topic === undefined ? MAIN_HELP : TOPICS[topic];
}
