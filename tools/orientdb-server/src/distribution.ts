// Fetching the OrientDB community distribution from Maven Central (with `mvn`) and unpacking it once into the cache.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorCode, runCommand, tail } from './command.js';
import { checkJava, checkMaven } from './java.js';
import { orientdbCacheDir } from './paths.js';
import { ORIENTDB_VERSION } from './version.js';

const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;
const UNPACK_TIMEOUT_MS = 10 * 60_000;
const MAVEN_ARTIFACT = `com.orientechnologies:orientdb-community:${ORIENTDB_VERSION}:tar.gz`;
const DIST_NAME = `orientdb-community-${ORIENTDB_VERSION}`;

export type Log = (message: string) => void;
const noop: Log = () => {};

function isUnpackedDist(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'lib', `orientdb-server-${ORIENTDB_VERSION}.jar`));
}

/** Downloads the tarball with `mvn dependency:copy` into a private temp dir, then renames it into place. */
async function downloadTarball(cache: string, tarball: string, log: Log): Promise<void> {
  checkMaven();
  const dlDir = await fsp.mkdtemp(path.join(cache, '.download-'));
  try {
    log(`orientdb: downloading ${MAVEN_ARTIFACT} with mvn ...`);
    const t0 = Date.now();
    const r = await runCommand(
      'mvn',
      ['-B', '-q', 'dependency:copy', `-Dartifact=${MAVEN_ARTIFACT}`, `-DoutputDirectory=${dlDir}`],
      {
        timeoutMs: DOWNLOAD_TIMEOUT_MS,
        cwd: dlDir,
      },
    );
    const got = path.join(dlDir, `${DIST_NAME}.tar.gz`);
    if (r.code !== 0 || !fs.existsSync(got)) {
      throw new Error(
        `Could not download ${MAVEN_ARTIFACT} with mvn (exit ${r.code ?? r.signal}); is Maven Central reachable?\n${tail(r.out)}`,
      );
    }
    await fsp.rename(got, tarball); // atomic; a concurrent winner is simply replaced by an identical file
    log(`orientdb: downloaded in ${Date.now() - t0} ms`);
  } finally {
    await fsp.rm(dlDir, { recursive: true, force: true });
  }
}

/** Unpacks into a private temp dir and renames into place, so racing processes never see half a distribution. */
async function unpackTarball(cache: string, tarball: string, distDir: string, log: Log): Promise<void> {
  const unpackDir = await fsp.mkdtemp(path.join(cache, '.unpack-'));
  try {
    log(`orientdb: unpacking ${path.basename(tarball)} ...`);
    const r = await runCommand('tar', ['-xzf', tarball, '-C', unpackDir], { timeoutMs: UNPACK_TIMEOUT_MS });
    const unpacked = path.join(unpackDir, DIST_NAME);
    if (r.code !== 0 || !isUnpackedDist(unpacked)) {
      // A corrupt tarball would fail forever: drop it so the next run downloads it again.
      await fsp.rm(tarball, { force: true });
      throw new Error(
        `Could not unpack ${tarball} (tar exit ${r.code ?? r.signal}); removed it, retry to re-download\n${tail(r.out)}`,
      );
    }
    try {
      await fsp.rename(unpacked, distDir);
    } catch (error) {
      // Lost the race against another process (or a broken leftover dir is in the way).
      if (!isUnpackedDist(distDir)) {
        const code = errorCode(error);
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        await fsp.rm(distDir, { recursive: true, force: true });
        await fsp.rename(unpacked, distDir);
      }
    }
  } finally {
    await fsp.rm(unpackDir, { recursive: true, force: true });
  }
}

/**
 * Downloads (once) the OrientDB community tarball with Maven and unpacks it (once) into the cache.
 * Safe when several processes race. Returns the absolute path of the unpacked distribution.
 */
export async function ensureOrientDBDistribution({ log = noop }: { log?: Log } = {}): Promise<string> {
  checkJava();
  const cache = orientdbCacheDir();
  const distDir = path.join(cache, DIST_NAME);
  if (isUnpackedDist(distDir)) return distDir;
  await fsp.mkdir(cache, { recursive: true });
  const tarball = path.join(cache, `${DIST_NAME}.tar.gz`);
  if (!fs.existsSync(tarball)) await downloadTarball(cache, tarball, log);
  await unpackTarball(cache, tarball, distDir, log);
  return distDir;
}

/** Asks Maven which is the newest 3.2.x it can resolve (reads maven-metadata.xml of the artifact). */
export async function latestOrientDBVersion(): Promise<string> {
  checkMaven();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'orientdb-latest-'));
  try {
    await fsp.writeFile(
      path.join(dir, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>probe</groupId><artifactId>probe</artifactId><version>1</version><packaging>pom</packaging>
<dependencies><dependency><groupId>com.orientechnologies</groupId><artifactId>orientdb-community</artifactId>
<version>[3.2.0,3.3.0)</version><type>pom</type><exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>
</dependency></dependencies></project>
`,
    );
    const r = await runCommand('mvn', ['-B', '-U', 'dependency:list'], { cwd: dir, timeoutMs: DOWNLOAD_TIMEOUT_MS });
    const m = /com\.orientechnologies:orientdb-community:pom:([\w.-]+)/.exec(r.out);
    if (r.code !== 0 || !m?.[1])
      throw new Error(`mvn could not resolve orientdb-community [3.2.0,3.3.0):\n${tail(r.out)}`);
    return m[1];
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
