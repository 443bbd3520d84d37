import { DEFAULT_USER_ROLES, type StytchSession, type StytchUser } from '../../model/stytch-types.js';
import type { SessionRecord, UserRecord } from '../store/session-store.js';

/** A stored session as the API returns it. */
export function sessionResource(record: SessionRecord): StytchSession {
  return {
    session_id: record.sessionId,
    user_id: record.userId,
    started_at: record.startedAt.toISOString(),
    last_accessed_at: record.lastAccessedAt.toISOString(),
    expires_at: record.expiresAt.toISOString(),
    attributes: { ...record.attributes },
    authentication_factors: record.authenticationFactors.map((factor) => ({ ...factor })),
    custom_claims: structuredClone(record.customClaims),
    roles: [...DEFAULT_USER_ROLES],
  };
}

/** A stored user as the API returns it. */
export function userResource(record: UserRecord): StytchUser {
  return {
    user_id: record.userId,
    emails: [{ email_id: record.emailId, email: record.email, verified: false }],
    status: 'active',
    phone_numbers: [],
    webauthn_registrations: [],
    providers: [],
    totps: [],
    crypto_wallets: [],
    biometric_registrations: [],
    is_locked: false,
    roles: [...DEFAULT_USER_ROLES],
    name: { ...record.name },
    created_at: record.createdAt.toISOString(),
    password: { password_id: record.passwordId, requires_reset: false },
    trusted_metadata: {},
    untrusted_metadata: {},
  };
}
