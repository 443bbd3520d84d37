// The small part of orientjs 3.2.0 (no published types) the round-trip test uses.
declare module 'orientjs' {
  export interface OrientJsResult<T> {
    all(): Promise<T[]>;
  }
  export interface OrientJsSession {
    query(statement: string, options?: { params?: Record<string, unknown> }): OrientJsResult<Record<string, unknown>>;
    command(statement: string, options?: { params?: Record<string, unknown> }): OrientJsResult<Record<string, unknown>>;
    close(): Promise<void>;
  }
  export interface OrientJsClient {
    session(options: { name: string; username: string; password: string }): Promise<OrientJsSession>;
    close(): Promise<void>;
  }
  export class RecordID {
    constructor(text: string);
    cluster: number;
    position: number;
  }
  export const OrientDBClient: {
    connect(options: { host: string; port: number }): Promise<OrientJsClient>;
  };
  const orientjs: { OrientDBClient: typeof OrientDBClient; RecordID: typeof RecordID };
  export default orientjs;
}
