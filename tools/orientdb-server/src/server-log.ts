// Reading a server's log file: for error messages, for noticing it is active, and for a port someone else took.
import fsp from 'node:fs/promises';
import { tail } from './command.js';

/** The end of the log written since `fromOffset` (at most maxBytes, maxLines). */
export async function readLogTail(logFile: string, fromOffset = 0, maxBytes = 16_384, maxLines = 60): Promise<string> {
  try {
    const fh = await fsp.open(logFile, 'r');
    try {
      const { size } = await fh.stat();
      const start = Math.max(fromOffset, size - maxBytes);
      const buf = Buffer.alloc(Math.max(0, size - start));
      await fh.read(buf, 0, buf.length, start);
      return tail(buf.toString('utf8'), maxLines);
    } finally {
      await fh.close();
    }
  } catch {
    return '(no server log)';
  }
}

/** Size of the log file now (0 when missing): where this start's lines begin. */
export async function logOffset(logFile: string): Promise<number> {
  try {
    return (await fsp.stat(logFile)).size;
  } catch {
    return 0;
  }
}

/** The port the server could not bind, when its log says so. */
export function busyPortIn(logText: string): number | null {
  const m = /Unable to listen for connections using the configured ports '(\d+)'/.exec(logText);
  return m ? Number(m[1]) : null;
}

/** The server logs that it is active, and on which binary port. */
export function isActiveLog(logText: string, host: string, binaryPort: number): boolean {
  return (
    logText.includes('OrientDB Server is active') &&
    logText.includes(`Listening binary connections on ${host}:${binaryPort} `)
  );
}
