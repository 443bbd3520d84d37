import { randomBytes } from 'node:crypto';
import { exportPKCS8, generateKeyPair, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { isCanonicalBase64url } from '../../src/jwt/jws-verify.js';
import {
  SESSION_JWT_ALGORITHMS,
  SessionJwtError,
  sessionJwtIssuer,
  verifySessionJwt,
  type SessionJwtAlgorithm,
} from '../../src/jwt/session-jwt.js';
import { SESSION_CLAIM } from '../../src/model/stytch-types.js';
import { sessionJwtClaims, signRawJwt } from '../helpers/jwt-claims.js';
import { prng } from '../helpers/prng.js';

// `pnpm --filter @sessiontoken/stytch-like fuzz:jwt` runs 100 000 cases; `pnpm test` a short version.
const CASES = Number(process.env['JWT_FUZZ_CASES'] ?? 3000);
const PROJECT = 'project-test-fuzz';
const KID = 'jwk-test-fuzz';
const TOLERANCE = 30;

/** Another session JWT algorithm than `alg`, for headers that claim the wrong one. */
const OTHER: Record<SessionJwtAlgorithm, SessionJwtAlgorithm> = { RS256: 'ES256', ES256: 'EdDSA', EdDSA: 'RS256' };

/**
 * Our verifier against jose's `jwtVerify` with the same requirements, on mutated JWTs, for each algorithm. They must
 * agree, except where ours is documented to be stricter: a non-canonical base64url part, or a session claim that is
 * not well formed.
 */
describe.each(SESSION_JWT_ALGORITHMS)(
  `differential fuzz: verifySessionJwt against jose jwtVerify, %s (${CASES.toLocaleString('en')} mutated JWTs)`,
  (alg) => {
    let publicKey: CryptoKey;
    let privatePem: string;
    const now = new Date();
    const seconds = Math.floor(now.getTime() / 1000);

    beforeAll(async () => {
      const pair = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
      publicKey = pair.publicKey;
      privatePem = await exportPKCS8(pair.privateKey);
    });

    const signRaw = (header: unknown, payload: unknown) => signRawJwt(alg, privatePem, header, payload);
    const goodHeader = () => ({ alg, typ: 'JWT', kid: KID });
    const goodClaims = (): JWTPayload => sessionJwtClaims(PROJECT, now);

    /** Header and claim variations, each signed with the real key so that only the claim logic can refuse them. */
    const claimVariants = (): string[] => {
      const headers: unknown[] = [
        goodHeader(),
        { alg, kid: KID },
        { alg, typ: 'jwt', kid: KID },
        { alg, typ: 'application/JWT', kid: KID },
        { alg, typ: 'at+jwt', kid: KID },
        // The key's own signature under a header naming another algorithm (or none): an algorithm confusion.
        { alg: OTHER[alg], typ: 'JWT', kid: KID },
        { alg: OTHER[OTHER[alg]], typ: 'JWT', kid: KID },
        { alg: 'RS384', typ: 'JWT', kid: KID },
        { alg: 'ES384', typ: 'JWT', kid: KID },
        { alg: 'Ed25519', typ: 'JWT', kid: KID },
        { alg: 'HS256', typ: 'JWT', kid: KID },
        { alg: 'none', typ: 'JWT', kid: KID },
        { alg, typ: 'JWT', kid: KID, crit: ['b64'], b64: true },
        { alg, typ: 'JWT', kid: KID, crit: ['b64'], b64: false },
        { alg, typ: 'JWT', kid: KID, crit: ['exp'] },
        { alg, typ: 'JWT', kid: KID, crit: [] },
        { alg, typ: 'JWT', kid: KID, crit: ['b64', 'b64'], b64: true },
        [goodHeader()],
      ];
      const edits: ((claims: Record<string, unknown>) => void)[] = [
        () => {},
        (c) => (c['exp'] = seconds - 10),
        (c) => (c['exp'] = seconds - 29),
        (c) => (c['exp'] = seconds - 30),
        (c) => (c['exp'] = seconds - 31),
        (c) => (c['nbf'] = seconds + 29),
        (c) => (c['nbf'] = seconds + 30),
        (c) => (c['nbf'] = seconds + 31),
        (c) => (c['exp'] = String(seconds + 300)),
        (c) => delete c['exp'],
        (c) => delete c['nbf'],
        (c) => delete c['iat'],
        (c) => (c['iat'] = 'yesterday'),
        (c) => (c['iss'] = 'stytch.com/project-test-other'),
        (c) => delete c['iss'],
        (c) => (c['aud'] = PROJECT),
        (c) => (c['aud'] = ['someone-else', PROJECT]),
        (c) => (c['aud'] = ['someone-else']),
        (c) => (c['aud'] = 42),
        (c) => delete c['aud'],
        (c) => (c['sub'] = 7),
        (c) => delete c['sub'],
        (c) => delete c[SESSION_CLAIM],
        (c) => (c[SESSION_CLAIM] = { id: 1 }),
      ];
      const variants: string[] = [];
      for (const header of headers) variants.push(signRaw(header, goodClaims()));
      for (const edit of edits) {
        const claims = goodClaims() as Record<string, unknown>;
        edit(claims);
        variants.push(signRaw(goodHeader(), claims));
      }
      variants.push(
        signRaw(goodHeader(), '[1,2]'),
        signRaw(goodHeader(), 'null'),
        signRaw(goodHeader(), '{"a":'),
        signRaw('not json', goodClaims()),
      );
      return variants;
    };

    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const NOISE = `${ALPHABET}=+/ .\n\u00e9\u0000`;
    /** One to three random edits of the compact string: characters changed, inserted, deleted, parts swapped or cut. */
    const mutate = (jwt: string, random: () => number): string => {
      let out = jwt;
      const edits = 1 + Math.floor(random() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * (out.length + 1));
        const pick = random();
        const char = NOISE[Math.floor(random() * (random() < 0.9 ? ALPHABET.length : NOISE.length))]!;
        if (pick < 0.35) out = out.slice(0, at) + char + out.slice(at + 1);
        else if (pick < 0.5) out = out.slice(0, at) + char + out.slice(at);
        else if (pick < 0.65) out = out.slice(0, at) + out.slice(at + 1);
        else if (pick < 0.75) {
          // The last character of a part: its unused low bits (the non-canonical spellings).
          const parts = out.split('.');
          const index = Math.floor(random() * parts.length);
          const part = parts[index] ?? '';
          if (part.length > 0) {
            const value = ALPHABET.indexOf(part.at(-1)!);
            parts[index] =
              part.slice(0, -1) + (value < 0 ? part.at(-1)! : ALPHABET[(value & 0x30) | Math.floor(random() * 16)]!);
          }
          out = parts.join('.');
        } else if (pick < 0.85) {
          const parts = out.split('.');
          const [i, j] = [Math.floor(random() * parts.length), Math.floor(random() * parts.length)];
          [parts[i], parts[j]] = [parts[j]!, parts[i]!];
          out = parts.join('.');
        } else if (pick < 0.92) out = out.slice(0, at);
        else out = `${out}${random() < 0.5 ? '=' : '.'}`;
      }
      return out;
    };

    const ours = (jwt: string) =>
      verifySessionJwt(jwt, async (kid) => (kid === KID ? publicKey : null), {
        projectId: PROJECT,
        now,
        clockToleranceSeconds: TOLERANCE,
      }).then(
        (verified) => ({ ok: true as const, sub: verified.userId, exp: verified.expiresAt.getTime() / 1000, why: '' }),
        (error: unknown) => {
          if (!(error instanceof SessionJwtError)) throw error;
          return { ok: false as const, sub: '', exp: 0, why: error.message };
        },
      );
    const theirs = (jwt: string) =>
      jwtVerify(
        jwt,
        async (header) => {
          if (header.kid !== KID) throw new Error('unknown kid');
          return publicKey;
        },
        {
          algorithms: [alg],
          typ: 'JWT',
          issuer: sessionJwtIssuer(PROJECT),
          audience: PROJECT,
          requiredClaims: ['exp', 'nbf', 'iat', 'sub'],
          currentDate: now,
          clockTolerance: TOLERANCE,
        },
      ).then(
        ({ payload }) => ({ ok: true as const, sub: payload.sub, exp: payload.exp }),
        () => ({ ok: false as const, sub: undefined, exp: undefined }),
      );

    it(
      'agrees with jose on every mutated JWT, but where it is documented to be stricter',
      { timeout: 600_000 },
      async () => {
        const seed = Number(process.env['JWT_FUZZ_SEED'] ?? randomBytes(4).readUInt32LE());
        const random = prng(seed);
        const seeds = claimVariants();
        const tally = { bothAccept: 0, bothRefuse: 0, stricterEncoding: 0, stricterSessionClaim: 0 };
        const disagreements: string[] = [];
        let oursMs = 0;
        let theirsMs = 0;
        for (let i = 0; i < CASES; i++) {
          const base = seeds[Math.floor(random() * seeds.length)]!;
          // A tenth unmutated, so the claim variants are judged as they are, too.
          const jwt = random() < 0.1 ? base : mutate(base, random);
          let started = performance.now();
          const a = await ours(jwt);
          oursMs += performance.now() - started;
          started = performance.now();
          const b = await theirs(jwt);
          theirsMs += performance.now() - started;
          if (a.ok && b.ok) {
            tally.bothAccept++;
            if (a.sub !== b.sub || a.exp !== b.exp)
              disagreements.push(`seed ${seed} case ${i}: claims read differently: ${jwt}`);
          } else if (!a.ok && !b.ok) tally.bothRefuse++;
          else if (a.ok) disagreements.push(`seed ${seed} case ${i}: ours accepts what jose refuses: ${jwt}`);
          else if (!jwt.split('.').every(isCanonicalBase64url)) tally.stricterEncoding++;
          else if (a.why === 'the session JWT lacks a well-formed session claim') tally.stricterSessionClaim++;
          else disagreements.push(`seed ${seed} case ${i}: ours refuses (${a.why}) what jose accepts: ${jwt}`);
        }
        console.log(
          `jwt differential fuzz, seed ${seed}: ${CASES} cases, ${JSON.stringify(tally)}, ` +
            `ours ${((oursMs * 1000) / CASES).toFixed(1)} µs/case, jose ${((theirsMs * 1000) / CASES).toFixed(1)} µs/case`,
        );
        expect(disagreements.slice(0, 5)).toEqual([]);
        // The fuzz must reach both sides and the stricter encoding rule, or it proves nothing.
        expect(tally.bothAccept).toBeGreaterThan(0);
        expect(tally.bothRefuse).toBeGreaterThan(CASES / 2);
        expect(tally.stricterEncoding).toBeGreaterThan(0);
      },
    );
  },
);
