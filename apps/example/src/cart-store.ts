import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CATALOG, type Product } from './catalog.js';

export interface CartLine {
  readonly product: Product;
  readonly quantity: number;
}

/**
 * Carts in SQLite, keyed by the session's subject, so a cart outlives both the process and the session; the name
 * each subject logged in with, to greet them.
 * Also remembers signed-out tokens (SHA-256 only) for backends that cannot revoke a token themselves.
 */
export class CartStore {
  readonly #db: DatabaseSync;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS cart_items (
        subject TEXT NOT NULL,
        sku TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        PRIMARY KEY (subject, sku)
      );
      CREATE TABLE IF NOT EXISTS shoppers (
        subject TEXT PRIMARY KEY,
        display_name TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS signed_out_tokens (
        token_sha256 TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
    `);
  }

  add(subject: string, sku: string): void {
    this.#db
      .prepare(
        'INSERT INTO cart_items (subject, sku, quantity) VALUES (?, ?, 1) ON CONFLICT (subject, sku) DO UPDATE SET quantity = quantity + 1',
      )
      .run(subject, sku);
  }

  remove(subject: string, sku: string): void {
    this.#db.prepare('DELETE FROM cart_items WHERE subject = ? AND sku = ?').run(subject, sku);
  }

  list(subject: string): CartLine[] {
    const rows = this.#db
      .prepare('SELECT sku, quantity FROM cart_items WHERE subject = ? ORDER BY sku')
      .all(subject) as Array<{ sku: string; quantity: number }>;
    return rows.flatMap(({ sku, quantity }) => {
      const product = CATALOG.find((p) => p.sku === sku);
      return product ? [{ product, quantity: Number(quantity) }] : [];
    });
  }

  /** Remembers the name a subject logged in with, to greet them on later requests. */
  rememberShopper(subject: string, displayName: string): void {
    this.#db
      .prepare(
        'INSERT INTO shoppers (subject, display_name) VALUES (?, ?) ON CONFLICT (subject) DO UPDATE SET display_name = excluded.display_name',
      )
      .run(subject, displayName);
  }

  shopperName(subject: string): string | undefined {
    const row = this.#db.prepare('SELECT display_name FROM shoppers WHERE subject = ?').get(subject) as
      { display_name: string } | undefined;
    return row?.display_name;
  }

  /** Remembers a token the user signed out with, until it would have expired anyway. */
  rememberSignedOut(token: string, expiresAt: Date | null): void {
    const until = expiresAt?.getTime() ?? Date.now() + 24 * 60 * 60_000;
    this.#db
      .prepare('INSERT OR REPLACE INTO signed_out_tokens (token_sha256, expires_at) VALUES (?, ?)')
      .run(sha256(token), until);
    this.#db.prepare('DELETE FROM signed_out_tokens WHERE expires_at < ?').run(Date.now());
  }

  isSignedOut(token: string): boolean {
    return (
      this.#db
        .prepare('SELECT 1 FROM signed_out_tokens WHERE token_sha256 = ? AND expires_at >= ?')
        .get(sha256(token), Date.now()) !== undefined
    );
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
