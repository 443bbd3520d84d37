export { ORIENTDB_VERSION } from './version.js';
export {
  DEFAULT_BINARY_PORT,
  DEFAULT_DATABASE,
  DEFAULT_HTTP_PORT,
  TEST_DB_PASSWORD,
  TEST_DB_USER,
  TEST_ROOT_PASSWORD,
  TEST_SECRET_KEY,
} from './defaults.js';
export { orientdbCacheDir } from './paths.js';
export { ensureOrientDBDistribution, type Log } from './distribution.js';
export { randomSecretKey } from './config.js';
export { findFreePorts, probeBinaryPort } from './ports.js';
export { createTlsMaterial, type TlsMaterial } from './tls.js';
export {
  startOrientDBServer,
  type OrientDBServer,
  type OrientDBServerAddress,
  type OrientDBServerInfo,
  type StartOrientDBServerOptions,
} from './server.js';
export {
  createDatabase,
  ensureDatabaseUser,
  listConnections,
  listDatabases,
  sqlCommand,
  type DatabaseUser,
  type ServerConnection,
} from './http-admin.js';
export { readRunState, runStateFile, RunStateError, type RunState } from './run-state.js';
