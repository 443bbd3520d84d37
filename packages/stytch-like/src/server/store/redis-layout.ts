import { createHash } from 'node:crypto';
import { SessionStoreError } from './session-store.js';

const KIND = 'redis';

/**
 * Where each record lives in Redis. A single Redis keeps the layout every earlier version wrote (so no data moves on
 * upgrade). A Redis Cluster puts everything of one user in one hash slot (`{<user>}` hash tags): the user, the
 * per-user session index and every session document, so each per-user script names keys of one slot only. What is
 * found by something other than the user (an email, a token id, a session id) is a pointer key in a slot of its own,
 * read first; only the cluster layout needs the session-id pointer, as its session documents are named by user too.
 */
export class RedisKeyLayout {
  readonly prefix: string;
  readonly cluster: boolean;

  constructor(prefix: string, cluster: boolean) {
    this.prefix = prefix;
    this.cluster = cluster;
  }

  user(userId: string): string {
    return this.cluster ? `${this.prefix}user:{${slotTag(userId)}}` : `${this.prefix}user:${userId}`;
  }

  /** email → user id. */
  email(email: string): string {
    return `${this.prefix}user-by-email:${email}`;
  }

  session(userId: string, sessionId: string): string {
    return this.cluster
      ? `${this.prefix}session:{${slotTag(userId)}}:${sessionId}`
      : `${this.prefix}session:${sessionId}`;
  }

  /** The user's sorted set of session ids scored by expiry. */
  index(userId: string): string {
    return this.cluster ? `${this.prefix}user-sessions:{${slotTag(userId)}}` : `${this.prefix}user-sessions:${userId}`;
  }

  /** token id → session id (single Redis) or `[user id, session id]` as JSON (cluster). */
  token(tokenId: string): string {
    return `${this.prefix}session-by-token:${tokenId}`;
  }

  /** Cluster only: session id → user id. */
  sessionUser(sessionId: string): string {
    return `${this.prefix}session-user:${sessionId}`;
  }

  /** The SCAN pattern that matches every per-user index. */
  indexPattern(): string {
    return `${this.prefix}user-sessions:*`;
  }

  /** Cluster only: the session document key of `sessionId` next to the index key `index` (same slot tag). */
  sessionNextToIndex(index: string, sessionId: string): string {
    const tag = index.slice(`${this.prefix}user-sessions:`.length);
    return `${this.prefix}session:${tag}:${sessionId}`;
  }

  /** Cluster only: whether a key SCAN found is an index of this layout (a `{tag}` and nothing after it). */
  isClusterIndex(key: string): boolean {
    const tag = key.slice(`${this.prefix}user-sessions:`.length);
    return /^\{[^{}]+\}$/.test(tag);
  }

  signingKeys(): string {
    return `${this.prefix}signing-keys`;
  }

  counter(name: string): string {
    return `${this.prefix}counter:${name}`;
  }

  setting(name: string): string {
    return `${this.prefix}setting:${name}`;
  }

  /** The sweep lock and its saved cursor share a slot: one script checks the lock and moves the cursor. */
  sweepLock(): string {
    return this.cluster ? `${this.prefix}sweep:{sweep}:lock` : `${this.prefix}sweep-lock`;
  }

  sweepCursor(): string {
    return this.cluster ? `${this.prefix}sweep:{sweep}:cursor` : `${this.prefix}sweep-cursor`;
  }
}

const PLAIN_TAG = /^[A-Za-z0-9_.:@+=-]{1,200}$/;

/**
 * The hash tag of a user's keys: the user id itself when it is plain (the service's ids are), else `~` and its
 * SHA-256, so that no brace in an id can end the tag early and split a user across slots (`~` is never plain, so
 * the two forms never meet).
 */
export function slotTag(userId: string): string {
  return PLAIN_TAG.test(userId) ? userId : `~${createHash('sha256').update(userId).digest('base64url')}`;
}

/** A Redis Cluster named by a `redis+cluster://` or `rediss+cluster://` URL. */
export interface RedisClusterLocation {
  /** One `redis://` (or `rediss://`) URL per node given, each with the URL's credentials. */
  readonly rootNodes: readonly string[];
  readonly tls: boolean;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The URL's `prefix` parameter, if any. */
  readonly keyPrefix: string | undefined;
}

/** Whether `url` names a Redis Cluster (`redis+cluster://…` or `rediss+cluster://…`). */
export function isRedisClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:/i.test(url);
}

/**
 * Parses `redis+cluster://[user:password@]host:port[,host:port…][?prefix=name:]` (`rediss+cluster://` for TLS). Any
 * one reachable node is enough to find the others; list several so that one being down does not stop a start.
 * Throws `SessionStoreError` `INVALID_URL`; messages never repeat the URL (it may hold a password).
 */
export function parseRedisClusterUrl(url: string): RedisClusterLocation {
  const match = /^(rediss?)\+cluster:\/\/([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(url);
  if (!match) {
    throw invalid('the redis cluster store URL is redis+cluster://[user:password@]host:port,host:port[?prefix=name:]');
  }
  const tls = match[1]!.toLowerCase() === 'rediss';
  const authority = match[2]!;
  const at = authority.lastIndexOf('@');
  const userInfo = at >= 0 ? authority.slice(0, at) : '';
  const hosts = (at >= 0 ? authority.slice(at + 1) : authority).split(',');
  let username: string | undefined;
  let password: string | undefined;
  if (userInfo !== '') {
    const colon = userInfo.indexOf(':');
    try {
      username = decodeURIComponent(colon >= 0 ? userInfo.slice(0, colon) : userInfo) || undefined;
      password = colon >= 0 ? decodeURIComponent(userInfo.slice(colon + 1)) : undefined;
    } catch {
      throw invalid('the redis cluster store URL has a badly escaped user name or password');
    }
  }
  const rootNodes = hosts.map((host) => {
    const address = /^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/i.exec(host);
    if (!address || Number(address[2]) < 1 || Number(address[2]) > 65535) {
      throw invalid('each node of a redis cluster store URL is host:port, separated by commas');
    }
    const node = new URL(`${tls ? 'rediss' : 'redis'}://${address[1]}:${address[2]}`);
    if (username !== undefined) node.username = encodeURIComponent(username);
    if (password !== undefined) node.password = encodeURIComponent(password);
    return node.toString();
  });
  const params = new URLSearchParams(match[3] ?? '');
  for (const name of params.keys()) {
    if (name !== 'prefix') throw invalid(`the redis cluster store URL has an unknown parameter "${name}"`);
  }
  const prefixes = params.getAll('prefix');
  if (prefixes.length > 1) throw invalid('the redis cluster store URL has "prefix" more than once');
  return { rootNodes, tls, username, password, keyPrefix: prefixes[0] };
}

function invalid(message: string): SessionStoreError {
  return new SessionStoreError(KIND, 'INVALID_URL', message);
}
