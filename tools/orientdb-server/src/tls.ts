// TLS material for a server's SSL listener, made with the JDK's keytool at test time (nothing is checked in).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { runCommand, tail } from './command.js';
import { jdkTool } from './java.js';

const KEYTOOL_TIMEOUT_MS = 120_000;
const ALIAS = 'orientdb';

/** A PKCS#12 keystore with a self-signed certificate for 127.0.0.1/localhost, a truststore holding it, and its PEM. */
export interface TlsMaterial {
  readonly keyStore: string;
  readonly trustStore: string;
  /** Protects both stores (PKCS#12 encrypts the private key with it); kept beside them, owner-only. */
  readonly storePassword: string;
  /** The certificate in PEM: what a client passes as `ca` to trust this server. */
  readonly certificatePem: string;
}

async function keytool(args: string[]): Promise<void> {
  const r = await runCommand(jdkTool('keytool'), args, { timeoutMs: KEYTOOL_TIMEOUT_MS });
  if (r.code !== 0) throw new Error(`keytool ${args[0]} failed (exit ${r.code ?? r.signal}):\n${tail(r.out)}`);
}

/**
 * Makes the TLS material in `dir` unless it is there already (so a restarted server keeps its certificate).
 * The certificate is valid for `127.0.0.1` and `localhost`, for a week, with an EC P-256 key.
 */
export async function createTlsMaterial(
  dir: string,
  { commonName = 'localhost' }: { commonName?: string } = {},
): Promise<TlsMaterial> {
  const keyStore = path.join(dir, 'server.p12');
  const trustStore = path.join(dir, 'trust.p12');
  const passwordFile = path.join(dir, 'store-password');
  const pemFile = path.join(dir, 'server.pem');
  if (![keyStore, trustStore, passwordFile, pemFile].every((f) => fs.existsSync(f))) {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    await Promise.all([keyStore, trustStore, pemFile].map((f) => fsp.rm(f, { force: true })));
    const password = randomBytes(18).toString('base64url');
    await fsp.writeFile(passwordFile, password, { mode: 0o600 });
    const store = (file: string): string[] => ['-keystore', file, '-storetype', 'PKCS12', '-storepass', password];
    await keytool([
      '-genkeypair',
      '-alias',
      ALIAS,
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-sigalg',
      'SHA256withECDSA',
      '-dname',
      `CN=${commonName}`,
      '-ext',
      'SAN=ip:127.0.0.1,dns:localhost',
      '-validity',
      '7',
      '-keypass',
      password,
      ...store(keyStore),
    ]);
    await keytool(['-exportcert', '-rfc', '-alias', ALIAS, '-file', pemFile, ...store(keyStore)]);
    await keytool(['-importcert', '-noprompt', '-alias', ALIAS, '-file', pemFile, ...store(trustStore)]);
  }
  return {
    keyStore,
    trustStore,
    storePassword: (await fsp.readFile(passwordFile, 'utf8')).trim(),
    certificatePem: await fsp.readFile(pemFile, 'utf8'),
  };
}
