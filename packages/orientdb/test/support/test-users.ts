import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { RecordId, type OrientDBSessionProvider } from '../../src/index.js';

/**
 * OrientDB's stored password format (`{PBKDF2WithHmacSHA256}hash:salt:iterations`, hex) with one iteration: the
 * server checks a login against the iterations stored, so a hundred test users log in without a hundred slow hashes.
 */
function cheapPasswordHash(password: string): string {
  const salt = randomBytes(24);
  const hash = pbkdf2Sync(password, salt, 1, 24, 'sha256');
  return `{PBKDF2WithHmacSHA256}${hash.toString('hex').toUpperCase()}:${salt.toString('hex').toUpperCase()}:1`;
}

/** Creates `count` database users with the `writer` role (no `bypassRestricted`), named `<prefix>_<i>`. */
export async function createWriterUsers(
  admin: OrientDBSessionProvider,
  prefix: string,
  count: number,
): Promise<{ username: string; password: string }[]> {
  const [row] = await admin.query("SELECT @rid AS rid FROM ORole WHERE name = 'writer'");
  const role = row?.['rid'];
  if (!(role instanceof RecordId)) throw new Error('the database has no writer role');
  const users = Array.from({ length: count }, (_, i) => ({
    username: `${prefix}_${i}`,
    password: `pw-${prefix}-${i}`,
  }));
  for (const user of users) {
    await admin.command(
      `INSERT INTO OUser SET name = :name, password = :password, status = 'ACTIVE', roles = [${role.toString()}]`,
      {
        name: user.username,
        password: cheapPasswordHash(user.password),
      },
    );
  }
  return users;
}
