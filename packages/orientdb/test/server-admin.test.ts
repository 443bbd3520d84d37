import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OrientDBServerAdmin } from '../src/index.js';
import { testServer } from './support/orientdb.js';

function connectAsRoot(password = testServer().rootPassword): Promise<OrientDBServerAdmin> {
  const server = testServer();
  return OrientDBServerAdmin.connect({ host: server.host, port: server.port, username: 'root', password });
}

describe('OrientDBServerAdmin (CONNECT, DB_EXIST, DB_CREATE)', () => {
  it('creates a database that then exists, and refuses to create it twice', async () => {
    const admin = await connectAsRoot();
    try {
      const name = `admin_${randomUUID().slice(0, 8)}`;
      expect(await admin.databaseExists(name, 'memory')).toBe(false);
      await admin.createDatabase(name, { type: 'document', storage: 'memory' });
      expect(await admin.databaseExists(name, 'memory')).toBe(true);
      expect(await admin.databaseExists(testServer().database)).toBe(true);
      await expect(admin.createDatabase(name, { storage: 'memory' })).rejects.toMatchObject({ code: 'BACKEND' });
    } finally {
      await admin.close();
    }
  });

  it('rejects a wrong server password with BAD_CREDENTIALS', async () => {
    await expect(connectAsRoot('wrong')).rejects.toMatchObject({ code: 'BAD_CREDENTIALS' });
  });
});
