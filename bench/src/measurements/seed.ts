// Fills a store with many sessions fast, bypassing the service: SQLite rows in one transaction, Redis keys in pipelined
// batches, both in exactly the layout the store itself writes (see packages/stytch-like/src/server/store/sqlite.ts and
// redis.ts). Only a sample of the sessions get real token secrets: those are the ones the measurement authenticates.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { EXPIRED_SESSION_RETENTION_MS } from '@sessiontoken/stytch-like/server';
import { connectRedis } from './stores.ts';

export interface SeedPlan {
  readonly sessions: number;
  readonly users: number;
  /** How many sessions (spread evenly over all of them) get a token the caller can use. */
  readonly sample: number;
}

/** One session as the generator describes it; `token` only for sampled sessions. */
interface SeedSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly tokenId: string;
  readonly secretHash: string;
  readonly token: string | null;
}

const ATTRIBUTES = JSON.stringify({ ip_address: '127.0.0.1', user_agent: 'sessiontoken-bench' });
const NOT_A_SECRET_HASH = '0'.repeat(64);

function userId(index: number): string {
  return `user-test-00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** Yields the sessions of `plan` in batches; token ids are random like real ones (so index inserts are random too). */
function* sessionBatches(plan: SeedPlan, batchSize: number): Generator<SeedSession[]> {
  const stride = Math.max(1, Math.floor(plan.sessions / plan.sample));
  for (let start = 0; start < plan.sessions; start += batchSize) {
    const count = Math.min(batchSize, plan.sessions - start);
    const ids = randomBytes(12 * count);
    const batch: SeedSession[] = [];
    for (let i = 0; i < count; i++) {
      const index = start + i;
      const tokenId = ids.subarray(12 * i, 12 * i + 12).toString('base64url');
      const sampled = index % stride === 0 && index / stride < plan.sample;
      const secret = sampled ? randomBytes(21).toString('base64url') : null;
      batch.push({
        sessionId: `session-test-${randomUUID()}`,
        userId: userId(index % plan.users),
        tokenId,
        secretHash: secret === null ? NOT_A_SECRET_HASH : createHash('sha256').update(secret, 'utf8').digest('hex'),
        token: secret === null ? null : tokenId + secret,
      });
    }
    yield batch;
  }
}

function factorsJson(at: string): string {
  return JSON.stringify([
    { type: 'password', delivery_method: 'knowledge', last_authenticated_at: at, created_at: at, updated_at: at },
  ]);
}

/** Inserts users and sessions into an SQLite store file whose schema exists; returns the sampled tokens. */
export function seedSqlite(path: string, plan: SeedPlan): string[] {
  const db = new DatabaseSync(path);
  const tokens: string[] = [];
  try {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const factors = factorsJson(at);
    const expires = now + 24 * 60 * 60 * 1000;
    db.exec('BEGIN');
    const insertUser = db.prepare(
      'INSERT INTO users (user_id, email, email_id, password_id, password_hash, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (let u = 0; u < plan.users; u++) {
      insertUser.run(
        userId(u),
        `growth-${u}@example.test`,
        `email-test-${randomUUID()}`,
        `password-test-${randomUUID()}`,
        '$scrypt$not-used',
        '{}',
        now,
      );
    }
    const insertSession = db.prepare(
      `INSERT INTO sessions (session_id, user_id, token_id, secret_hash, started_at, last_accessed_at, expires_at,
         attributes, authentication_factors, custom_claims) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const batch of sessionBatches(plan, 10_000)) {
      for (const s of batch) {
        insertSession.run(s.sessionId, s.userId, s.tokenId, s.secretHash, now, now, expires, ATTRIBUTES, factors, '{}');
        if (s.token) tokens.push(s.token);
      }
    }
    db.exec('COMMIT');
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return tokens;
}

/** Writes users and sessions under `prefix` in the Redis store's key layout, with its TTLs; returns the sampled tokens. */
export async function seedRedis(prefix: string, plan: SeedPlan): Promise<string[]> {
  const client = await connectRedis();
  const tokens: string[] = [];
  try {
    const now = Date.now();
    const expires = now + 24 * 60 * 60 * 1000;
    const ttlMs = String(expires + EXPIRED_SESSION_RETENTION_MS - now);
    const at = new Date(now).toISOString();
    const attributes = JSON.parse(ATTRIBUTES) as unknown;
    const factors = JSON.parse(factorsJson(at)) as unknown;
    const users = client.multi();
    for (let u = 0; u < plan.users; u++) {
      const id = userId(u);
      const email = `growth-${u}@example.test`;
      const document = {
        user_id: id,
        email,
        email_id: `email-test-${randomUUID()}`,
        password_id: `password-test-${randomUUID()}`,
        password_hash: '$scrypt$not-used',
        name: {},
        created_at: now,
      };
      users.set(`${prefix}user-by-email:${email}`, id).set(`${prefix}user:${id}`, JSON.stringify(document));
    }
    await users.execAsPipeline();
    const inFlight: Promise<unknown>[] = [];
    for (const batch of sessionBatches(plan, 5_000)) {
      const pipeline = client.multi();
      for (const s of batch) {
        const document = {
          session_id: s.sessionId,
          user_id: s.userId,
          token_id: s.tokenId,
          secret_hash: s.secretHash,
          started_at: now,
          last_accessed_at: now,
          expires_at: expires,
          attributes,
          authentication_factors: factors,
          custom_claims: {},
        };
        pipeline
          .set(`${prefix}session:${s.sessionId}`, JSON.stringify(document), { PX: Number(ttlMs) })
          .set(`${prefix}session-by-token:${s.tokenId}`, s.sessionId, { PX: Number(ttlMs) })
          .zAdd(`${prefix}user-sessions:${s.userId}`, { score: expires, value: s.sessionId });
        if (s.token) tokens.push(s.token);
      }
      inFlight.push(pipeline.execAsPipeline());
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const indexes = client.multi();
    for (let u = 0; u < plan.users; u++) indexes.pExpire(`${prefix}user-sessions:${userId(u)}`, Number(ttlMs));
    await indexes.execAsPipeline();
  } finally {
    client.destroy();
  }
  return tokens;
}
