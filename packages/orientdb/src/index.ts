export { OrientDBSessionProvider, ORIENTDB_CAPABILITIES } from './provider/orientdb-session-provider.js';
export { OrientDBTokenProvider } from './provider/token-provider.js';
export type { RenewalListener, SessionTransport } from './provider/token-session.js';
export type { HeldToken } from './token/orientdb-token.js';
export { OrientDBSessionPool } from './pool/orientdb-session-pool.js';
export type { OrientDBSessionPoolOptions, OrientDBSessionPoolStats } from './pool/orientdb-session-pool.js';
export { OrientDBPooledSessionProvider } from './pool/pooled-session-provider.js';
export type {
  OrientDBCredentials,
  OrientDBOpenOptions,
  OrientDBQueryOptions,
  OrientDBSessionProviderOptions,
} from './provider/options.js';
export type { QueryMode, QueryParameters } from './protocol/requests.js';
export type { WireLimits } from './limits.js';
export { DEFAULT_WIRE_LIMITS } from './limits.js';
export { OrientDBServerError } from './protocol/server-error.js';
export type { ServerExceptionEntry } from './protocol/server-error.js';
export { RecordId, orientdbTypes, OrientDBType } from './serializer/values.js';
export type { OrientDBRow, OrientDBValue, TypedValue, OrientDBTypeId } from './serializer/values.js';
export { decodeRecord } from './serializer/record-decoder.js';
export type { DecodedRecord } from './serializer/record-decoder.js';
export { encodeRecord } from './serializer/record-encoder.js';
export type { EncodableDocument } from './serializer/record-encoder.js';
export { DecodeBudget } from './serializer/decode-budget.js';
export type { Failing as DecodeFailing } from './serializer/decode-budget.js';
export { decodeProjection } from './serializer/projection-decoder.js';
export { parseOrientDBToken, parseOrientDBTokenBytes, encodeOrientDBTokenPayload } from './token/orientdb-token.js';
export type { OrientDBTokenPayload, ParsedOrientDBToken } from './token/orientdb-token.js';
export { OrientDBServerAdmin } from './admin/server-admin.js';
export type { OrientDBServerAdminOptions } from './admin/server-admin.js';
