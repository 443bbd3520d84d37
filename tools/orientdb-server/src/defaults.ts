// Test values shared by every server this package starts. Never use them for a server reachable by others.

/** Root password used by test servers unless one is given. */
export const TEST_ROOT_PASSWORD = 'sessiontoken-test-root';

/**
 * Fixed token secret (base64url of the 32 ASCII bytes "sessiontoken/orientdb test key!!"), so tokens survive a
 * server restart. OrientDB decodes `network.token.secretKey` with a base64 *URL* decoder.
 */
export const TEST_SECRET_KEY = 'c2Vzc2lvbnRva2VuL29yaWVudGRiIHRlc3Qga2V5ISE';

/** Database user (OUser, role admin) that createDatabase() makes in each test database by default. */
export const TEST_DB_USER = 'sessiontoken';
export const TEST_DB_PASSWORD = 'sessiontoken-test-user';

export const DEFAULT_BINARY_PORT = 2424;
export const DEFAULT_HTTP_PORT = 2480;
export const DEFAULT_DATABASE = 'sessiontoken';

/** Every server listens on loopback only. */
export const HOST = '127.0.0.1';

/** Data directories of throwaway servers are `${os.tmpdir()}/${TEMP_PREFIX}*`; `cleanup` finds leaks by it. */
export const TEMP_PREFIX = 'sessiontoken-orientdb-';
