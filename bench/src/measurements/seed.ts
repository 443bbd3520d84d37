// Fills a store with many sessions fast, bypassing the service: SQLite rows in one transaction, Redis keys in pipelined
// batches, both in exactly the layout the store itself writes (see packages/stytch-like/src/server/store/sqlite.ts,
// redis.ts and redis-layout.ts; the cluster layout puts each user's keys in one slot with a `{user id}` hash tag). Only a sample of the sessions get real token secrets: those are the ones the measurement authenticates.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { EXPIRED_SESSION_RETENTION_MS } from '@sessiontoken/stytch-like/server';
import type { RedisCluster } from '@sessiontoken/redis-cluster';
import { connectRedis, connectRedisCluster } from './stores.ts';

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

/**
 * Writes users and sessions under `prefix` on a Redis Cluster in the store's cluster layout (one `{user id}` hash slot
 * per user, token and session-id pointers in slots of their own), with its TTLs; returns the sampled tokens. Each batch
 * goes out as one pipeline per master, every key sent to the master that serves its slot.
 */
export async function seedRedisCluster(cluster: RedisCluster, prefix: string, plan: SeedPlan): Promise<string[]> {
  const client = await connectRedisCluster(cluster);
  const tokens: string[] = [];
  try {
    // One pipeline per master; a key goes to the master its slot belongs to.
    const nodes = new Map<object, Awaited<ReturnType<typeof client.nodeClient>>>();
    for (const master of client.masters) nodes.set(master, await client.nodeClient(master));
    const nodeOf = (key: string) => nodes.get(client.slots[keySlot(key)]!.master)!;
    // Our slot function against the server's, on a few keys of each form, before trusting it with a million.
    const probe = await client.nodeClient(client.masters[0]!);
    for (const key of [`${prefix}user:{${userId(0)}}`, `${prefix}session-by-token:AbC-_123`, 'a{}b', '{x}y', 'k{']) {
      if ((await probe.clusterKeySlot(key)) !== keySlot(key)) throw new Error(`the slot of ${key} is not the server's`);
    }
    const pipelines = () => {
      const open = new Map<object, SeedPipeline>();
      return {
        on: (key: string) => {
          const node = nodeOf(key);
          let pipeline = open.get(node);
          if (!pipeline) open.set(node, (pipeline = node.multi() as unknown as SeedPipeline));
          return pipeline;
        },
        send: () => Promise.all([...open.values()].map((pipeline) => pipeline.execAsPipeline())),
      };
    };
    const now = Date.now();
    const expires = now + 24 * 60 * 60 * 1000;
    const ttlMs = expires + EXPIRED_SESSION_RETENTION_MS - now;
    const at = new Date(now).toISOString();
    const attributes = JSON.parse(ATTRIBUTES) as unknown;
    const factors = JSON.parse(factorsJson(at)) as unknown;
    const users = pipelines();
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
      const userKey = `${prefix}user:{${id}}`;
      const emailKey = `${prefix}user-by-email:${email}`;
      users.on(userKey).set(userKey, JSON.stringify(document));
      users.on(emailKey).set(emailKey, id);
    }
    await users.send();
    const inFlight: Promise<unknown>[] = [];
    for (const batch of sessionBatches(plan, 5_000)) {
      const batchPipelines = pipelines();
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
        const sessionKey = `${prefix}session:{${s.userId}}:${s.sessionId}`;
        const indexKey = `${prefix}user-sessions:{${s.userId}}`;
        const tokenKey = `${prefix}session-by-token:${s.tokenId}`;
        const sessionUserKey = `${prefix}session-user:${s.sessionId}`;
        batchPipelines
          .on(sessionKey)
          .set(sessionKey, JSON.stringify(document), { PX: ttlMs })
          .zAdd(indexKey, { score: expires, value: s.sessionId });
        batchPipelines.on(tokenKey).set(tokenKey, JSON.stringify([s.userId, s.sessionId]), { PX: ttlMs });
        batchPipelines.on(sessionUserKey).set(sessionUserKey, s.userId, { PX: ttlMs });
        if (s.token) tokens.push(s.token);
      }
      inFlight.push(batchPipelines.send());
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const indexes = pipelines();
    for (let u = 0; u < plan.users; u++) {
      const indexKey = `${prefix}user-sessions:{${userId(u)}}`;
      indexes.on(indexKey).pExpire(indexKey, ttlMs);
    }
    await indexes.send();
  } finally {
    client.destroy();
  }
  return tokens;
}

/** The commands the cluster seeder queues on one master's pipeline. */
interface SeedPipeline {
  set(key: string, value: string, options?: { PX: number }): SeedPipeline;
  zAdd(key: string, member: { score: number; value: string }): SeedPipeline;
  pExpire(key: string, ms: number): SeedPipeline;
  execAsPipeline(): Promise<unknown>;
}

/** The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag (or of the whole key) mod 16384. */
function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b); // {
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) [start, end] = [open + 1, close];
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
