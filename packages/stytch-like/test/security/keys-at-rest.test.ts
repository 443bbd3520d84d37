import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StytchLikeSessionService } from '../../src/server/service/session-service.js';
import type { SessionStore } from '../../src/server/store/session-store.js';
import { FAST_PASSWORD_HASHING, testProject } from '../helpers/config.js';
import { testStoreLocation, type TestStoreLocation } from '../helpers/stores.js';

const PASSWORD = 'a long and unguessable password';
const kekText = () => randomBytes(32).toString('base64');

for (const kind of ['sqlite', 'postgres', 'redis'] as const) {
  describe(`private signing keys at rest in ${kind}`, () => {
    let location: TestStoreLocation;
    let store: SessionStore;
    const services: StytchLikeSessionService[] = [];
    const { projectId } = testProject();
    const kek = kekText();

    beforeAll(async () => {
      location = testStoreLocation(kind);
      store = await location.open();
    });
    afterAll(async () => {
      for (const service of services) await service.close();
      await store?.close();
      await location?.cleanup();
    });

    const service = (keyEncryptionKey?: string) => {
      const created = new StytchLikeSessionService({
        store,
        projectId,
        passwordHashing: FAST_PASSWORD_HASHING,
        sweepIntervalMs: 0,
        keyRefreshIntervalMs: 0,
        ...(keyEncryptionKey === undefined ? {} : { keyEncryptionKey }),
      });
      services.push(created);
      return created;
    };

    it('stores only ciphertext, which neither a missing nor a wrong key-encryption key opens', async () => {
      const owner = service(kek);
      const signedUp = await owner.createPasswordUser({
        email: `kek-${randomUUID()}@example.test`,
        password: PASSWORD,
      });
      const [stored] = await store.listSigningKeys();
      expect(Object.keys(stored!.privateJwk ?? {})).toEqual(['encrypted_jwk']);
      for (const field of ['d', 'p', 'q', 'dp', 'dq', 'qi'])
        expect(JSON.stringify(stored!.privateJwk)).not.toMatch(new RegExp(`"${field}"`));

      // A server started without the key, or with another one, refuses to start; the message names the variable.
      await expect(service().checkSigningKeys()).rejects.toMatchObject({
        errorType: 'signing_key_unavailable',
        message: expect.stringContaining('STYTCH_LIKE_KEY_ENCRYPTION_KEY'),
      });
      const wrong = service(kekText());
      await expect(wrong.checkSigningKeys()).rejects.toMatchObject({
        errorType: 'signing_key_unavailable',
        message: expect.stringMatching(/is not the key that encrypted/),
      });
      // Nor does such a server quietly make a plain key of its own and sign with it.
      await expect(
        wrong.createPasswordUser({ email: `kek-${randomUUID()}@example.test`, password: PASSWORD }),
      ).rejects.toMatchObject({ errorType: 'signing_key_unavailable' });
      await expect(service().rotateSigningKeys()).rejects.toMatchObject({ errorType: 'signing_key_unavailable' });
      expect(await store.listSigningKeys()).toHaveLength(1);

      // With the key, sessions signed before work on; a rotated-out key keeps verifying but its private half is gone.
      const again = service(kek);
      await again.checkSigningKeys();
      await expect(again.authenticateSession({ sessionJwt: signedUp.sessionJwt })).resolves.toMatchObject({
        session: { session_id: signedUp.session.session_id },
      });
      const rotation = await again.rotateSigningKeys({ overlapMs: 10 * 60_000 });
      const keys = await store.listSigningKeys();
      expect(keys.find((key) => key.kid === stored!.kid)).toMatchObject({
        privateJwk: null,
        retiresAt: expect.any(Date),
      });
      expect(Object.keys(keys.find((key) => key.kid === rotation.kid)!.privateJwk ?? {})).toEqual(['encrypted_jwk']);
      await expect(again.verifySessionJwt(signedUp.sessionJwt)).resolves.toMatchObject({ kid: stored!.kid });
    });

    it('refuses an encrypted key copied onto another key’s row (the kid is bound into the ciphertext)', async () => {
      const owner = service(kek);
      await owner.createPasswordUser({ email: `swap-${randomUUID()}@example.test`, password: PASSWORD });
      const rotation = await owner.rotateSigningKeys({ overlapMs: 10 * 60_000 });
      const second = await owner.rotateSigningKeys({ overlapMs: 10 * 60_000 });
      // Both retired keys' private halves were erased; put the new key's ciphertext under a forged unretired kid.
      const current = (await store.listSigningKeys()).find((key) => key.kid === second.kid)!;
      await store.insertSigningKey({
        ...current,
        kid: `${rotation.kid}-forged`,
        createdAt: new Date(Date.now() + 60_000),
      });
      await expect(service(kek).checkSigningKeys()).rejects.toMatchObject({
        message: expect.stringMatching(/damaged or belongs to another key/),
      });
      await store.deleteSigningKey(`${rotation.kid}-forged`);
      await expect(service(kek).checkSigningKeys()).resolves.toBeUndefined();
    });

    it('drops a compromised key at once: JWTs it signed stop verifying, sessions live on with new JWTs', async () => {
      const owner = service(kek);
      const signedUp = await owner.createPasswordUser({
        email: `drop-${randomUUID()}@example.test`,
        password: PASSWORD,
      });
      const before = await owner.verifySessionJwt(signedUp.sessionJwt);
      const rotation = await owner.rotateSigningKeys({ dropPrevious: true });
      expect(rotation.dropped).toContain(before.kid);
      expect((await store.listSigningKeys()).map((key) => key.kid)).not.toContain(before.kid);
      await expect(owner.authenticateSession({ sessionJwt: signedUp.sessionJwt })).rejects.toMatchObject({
        statusCode: 401,
        details: { reason: 'unknown_key' },
      });
      expect((await owner.getJwks()).keys.map((key) => key.kid)).toEqual([rotation.kid]);
      const fresh = await owner.authenticateSession({ sessionToken: signedUp.sessionToken });
      await expect(owner.verifySessionJwt(fresh.sessionJwt)).resolves.toMatchObject({ kid: rotation.kid });
    });
  });
}
