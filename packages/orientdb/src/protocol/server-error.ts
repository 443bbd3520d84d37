/** One exception the server reported: its Java class and message. */
export interface ServerExceptionEntry {
  readonly exceptionClass: string;
  readonly message: string;
}

/**
 * An error frame from the OrientDB server, kept as the `cause` of the `SessionTokenError` it maps to, so the
 * server's exception class and message stay available for diagnosis.
 */
export class OrientDBServerError extends Error {
  override readonly name = 'OrientDBServerError';
  /** Fully qualified Java class, e.g. `com.orientechnologies.orient.core.exception.OSecurityAccessException`. */
  readonly exceptionClass: string;
  /** The exception message as the server sent it. */
  readonly serverMessage: string;
  readonly entries: readonly ServerExceptionEntry[];

  constructor(
    exceptionClass: string,
    serverMessage: string,
    entries: readonly ServerExceptionEntry[] = [{ exceptionClass, message: serverMessage }],
  ) {
    super(`${exceptionClass}: ${serverMessage}`);
    this.exceptionClass = exceptionClass;
    this.serverMessage = serverMessage;
    this.entries = entries;
  }

  /** The class name without its package, e.g. `OSecurityAccessException`. */
  get simpleClassName(): string {
    return this.exceptionClass.slice(this.exceptionClass.lastIndexOf('.') + 1);
  }
}
