// Consumer check for the published @sessiontoken/orientdb (run by scripts/consumer-smoke.mjs in a clean project
// outside the workspace). Needs no OrientDB server: records round-trip through the serializer, a garbage token is
// refused before any network use, an unreachable server rejects with UNAVAILABLE, and the process then exits by itself.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { isSessionTokenError } from '@sessiontoken/core';
import { OrientDBSessionProvider, RecordId, decodeRecord, encodeRecord, orientdbTypes } from '@sessiontoken/orientdb';

const fields = {
  name: 'Ada',
  born: orientdbTypes.date(new Date(Date.UTC(1815, 11, 10))),
  friend: new RecordId(5, 1),
  tags: ['math'],
};
const decoded = decodeRecord(encodeRecord(fields, 'Person'));
assert.equal(decoded.className, 'Person');
assert.deepEqual(decoded.fields.tags, ['math']);
assert.equal(String(decoded.fields.friend), '#5:1');

// A port that was free a moment ago: nothing listens there.
const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = probe.address();
    probe.close(() => resolve(free));
  });
});
const db = new OrientDBSessionProvider({ host: '127.0.0.1', port, database: 'shop', timeoutMs: 2000 });
await assert.rejects(db.setSessionToken('not-a-token'), (error) => isSessionTokenError(error, 'INVALID_TOKEN'));
await assert.rejects(db.open({ username: 'reader', password: 'secret' }), (error) =>
  isSessionTokenError(error, 'UNAVAILABLE'),
);
await db.close();
await assert.rejects(db.query('SELECT 1'), (error) => isSessionTokenError(error, 'CLOSED'));
console.log('@sessiontoken/orientdb: serializer, token checks and UNAVAILABLE work from the published package');
