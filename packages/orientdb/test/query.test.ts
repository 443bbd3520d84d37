import { isSessionTokenError, type SessionChangeEvent } from '@sessiontoken/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OrientDBServerError, type OrientDBSessionProvider, RecordId, orientdbTypes } from '../src/index.js';
import { createTestProvider, resignToken, testCredentials, uniqueClassName, waitFor } from './support/orientdb.js';

const providers: OrientDBSessionProvider[] = [];

async function opened(): Promise<OrientDBSessionProvider> {
  const provider = createTestProvider();
  providers.push(provider);
  provider.setSessionToken(true);
  await provider.open(testCredentials());
  return provider;
}

async function reattached(token: string): Promise<OrientDBSessionProvider> {
  const provider = createTestProvider();
  providers.push(provider);
  await provider.setSessionToken(token);
  return provider;
}

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
});

async function classWithRows(provider: OrientDBSessionProvider, count: number): Promise<string> {
  const name = uniqueClassName('Item');
  await provider.command(`CREATE CLASS ${name}`);
  for (let i = 0; i < count; i++) await provider.command(`INSERT INTO ${name} SET n = ?, label = ?`, [i, `item ${i}`]);
  return name;
}

describe('query() and command()', () => {
  it('take positional parameters', async () => {
    const db = await opened();
    const name = await classWithRows(db, 5);
    const rows = await db.query(`SELECT n, label FROM ${name} WHERE n >= ? AND label <> ? ORDER BY n`, [2, 'item 3']);
    expect(rows).toEqual([
      { n: 2, label: 'item 2' },
      { n: 4, label: 'item 4' },
    ]);
  });

  it('take named parameters', async () => {
    const db = await opened();
    const name = await classWithRows(db, 3);
    expect(await db.query(`SELECT label FROM ${name} WHERE n = :n`, { n: 1 })).toEqual([{ label: 'item 1' }]);
  });

  it('page through a result on a session opened with credentials', async () => {
    const db = await opened();
    const name = await classWithRows(db, 7);
    const rows = await db.query(`SELECT n FROM ${name} ORDER BY n`, [], { pageSize: 2 });
    expect(rows.map((r) => r['n'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('return every row in one answer on a reattached (stateless) session', async () => {
    const db = await opened();
    const name = await classWithRows(db, 7);
    const other = await reattached(db.getSessionToken());
    const rows = await other.query(`SELECT n FROM ${name} ORDER BY n`, [], { pageSize: 2 });
    expect(rows.map((r) => r['n'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('round-trip every common type through the server', async () => {
    const db = await opened();
    const name = uniqueClassName('Typed');
    await db.command(`CREATE CLASS ${name}`);
    const values = {
      text: 'Café ☕',
      int: -7,
      long: 2 ** 40,
      big: 2n ** 62n,
      short: orientdbTypes.short(-300),
      byte: orientdbTypes.byte(5),
      float: orientdbTypes.float(1.5),
      double: 0.1,
      decimal: orientdbTypes.decimal('-1234.5600'),
      bool: true,
      day: orientdbTypes.date(new Date(Date.UTC(2024, 1, 29))),
      when: new Date(1_700_000_000_123),
      bytes: new Uint8Array([0, 1, 2, 255]),
      embedded: orientdbTypes.embedded({ city: 'Lisbon', zip: 1000 }),
      list: [1, 'two', null, [3]],
      set: new Set(['a', 'b']),
      map: { k: 'v', n: 2, none: null },
      link: new RecordId(6, 0),
      nothing: null,
    };
    const set = Object.keys(values)
      .map((field) => `${field} = :${field}`)
      .join(', ');
    const [inserted] = await db.command(`INSERT INTO ${name} SET ${set}`, values);
    const expected = {
      text: 'Café ☕',
      int: -7,
      long: 2 ** 40,
      big: 2n ** 62n,
      short: -300,
      byte: 5,
      float: 1.5,
      double: 0.1,
      decimal: '-1234.5600',
      bool: true,
      day: new Date(Date.UTC(2024, 1, 29)),
      when: new Date(1_700_000_000_123),
      bytes: new Uint8Array([0, 1, 2, 255]),
      embedded: { city: 'Lisbon', zip: 1000 },
      list: [1, 'two', null, [3]],
      set: ['a', 'b'],
      map: { k: 'v', n: 2, none: null },
      link: new RecordId(6, 0),
      nothing: null,
    };
    expect(inserted).toMatchObject({ '@class': name, '@version': 1, ...expected });
    const rid = inserted!['@rid'];
    expect(rid).toBeInstanceOf(RecordId);
    const [read] = await db.query(`SELECT FROM ${name} WHERE @rid = ?`, [rid]);
    expect(read).toEqual({ '@rid': rid, '@version': 1, '@class': name, ...expected });
  });

  it('answer parallel statements on one provider in order, each with its own rows', async () => {
    const db = await opened();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => db.query('SELECT :i AS i', { i })));
    expect(results.map(([row]) => row?.['i'])).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('reject bad SQL with BACKEND and keep the server exception as cause', async () => {
    const db = await opened();
    const error = await db.query('SELEC nonsense').catch((e: unknown) => e);
    expect(isSessionTokenError(error, 'BACKEND')).toBe(true);
    const cause = (error as Error).cause as OrientDBServerError;
    expect(cause).toBeInstanceOf(OrientDBServerError);
    expect(cause.simpleClassName).toBe('OCommandSQLParsingException');
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('refuse a write in query() (idempotent statements only) but run it in command()', async () => {
    const db = await opened();
    const name = await classWithRows(db, 0);
    await expect(db.query(`INSERT INTO ${name} SET n = 1`)).rejects.toMatchObject({ code: 'BACKEND' });
    expect(await db.command(`INSERT INTO ${name} SET n = 1`)).toHaveLength(1);
  });

  it('reject parameters that have no OrientDB type with INVALID_ARGUMENT, before sending anything', async () => {
    const db = await opened();
    await expect(db.query('SELECT ? AS x', [Symbol('nope')])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(db.query('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(db.query('SELECT 1', [], { pageSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('reject without a session with NO_SESSION', async () => {
    const provider = createTestProvider();
    providers.push(provider);
    await expect(provider.query('SELECT 1')).rejects.toMatchObject({ code: 'NO_SESSION' });
  });
});

describe('token renewal', () => {
  it('a token with less than half its life left comes back renewed from the reattach', async () => {
    const db = await opened();
    // The same session's token, re-signed with the server's key so that 5 of its 60 minutes are left.
    const nearExpiry = resignToken(db.getSessionToken(), (payload) => ({
      ...payload,
      expiresAt: new Date(Date.now() + 5 * 60_000),
    }));
    const other = await reattached(nearExpiry);
    expect(other.getSessionToken()).not.toBe(nearExpiry);
    expect(other.getSession()!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    const elsewhere = await reattached(other.getSessionToken());
    expect(await elsewhere.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('a token renewed during a query replaces the held one and fires onChange("renewed")', async () => {
    const db = await opened();
    // Half of the 60-minute life plus a few seconds: valid at reattach, due for renewal moments later.
    const almostHalf = resignToken(db.getSessionToken(), (payload) => ({
      ...payload,
      expiresAt: new Date(Date.now() + 30 * 60_000 + 2_500),
    }));
    const other = await reattached(almostHalf);
    expect(other.getSessionToken()).toBe(almostHalf);
    const events: SessionChangeEvent[] = [];
    other.onChange((event) => events.push(event));
    await waitFor(
      async () => {
        await other.query('SELECT 1 AS one');
        return events.some((event) => event.reason === 'renewed');
      },
      20_000,
      'the server to renew the token',
    );
    const renewed = events.find((event) => event.reason === 'renewed')!;
    expect(other.getSessionToken()).not.toBe(almostHalf);
    expect(renewed.session?.expiresAt?.getTime()).toBe(other.getSession()?.expiresAt?.getTime());
    expect(other.getSession()!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 55 * 60_000);
    const elsewhere = await reattached(other.getSessionToken());
    expect(await elsewhere.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
