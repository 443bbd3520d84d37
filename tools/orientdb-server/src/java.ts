import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { errorCode } from './command.js';

const JAVA_MIN_MAJOR = 17;
const PREREQ = `OrientDB tests need Java ${JAVA_MIN_MAJOR}+ and Maven on PATH`;
const INSTALL_JDK = `install openjdk-${JAVA_MIN_MAJOR}-jre-headless`;

/** `$JAVA_HOME/bin/<tool>` when it exists (like OrientDB's server.sh), else `<tool>` from PATH. */
export function jdkTool(tool: 'java' | 'keytool'): string {
  const home = process.env['JAVA_HOME'];
  const candidate = home ? path.join(home, 'bin', process.platform === 'win32' ? `${tool}.exe` : tool) : null;
  return candidate && fs.existsSync(candidate) ? candidate : tool;
}

/** Throws a message naming what to install unless `java` is version 17 or newer; returns the major version. */
export function checkJava(): number {
  const r = spawnSync(jdkTool('java'), ['-version'], { encoding: 'utf8' });
  if (r.error) {
    const why = errorCode(r.error) === 'ENOENT' ? '`java` not found' : `\`java -version\` failed (${r.error.message})`;
    throw new Error(`${PREREQ}: ${why} (${INSTALL_JDK})`);
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${r.stderr}${r.stdout}`);
  if (!m) throw new Error(`${PREREQ}: cannot read the version from \`java -version\` (${INSTALL_JDK})`);
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < JAVA_MIN_MAJOR) throw new Error(`${PREREQ}: \`java\` is version ${major} (${INSTALL_JDK})`);
  return major;
}

/** Throws a message naming what to install unless `mvn` runs. */
export function checkMaven(): void {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why =
      errorCode(r.error) === 'ENOENT'
        ? '`mvn` not found'
        : `\`mvn -v\` failed (${r.error?.message ?? `exit ${r.status}`})`;
    throw new Error(`${PREREQ}: ${why} (install maven)`);
  }
}
