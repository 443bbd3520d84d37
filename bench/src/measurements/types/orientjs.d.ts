// The small part of orientjs 3.2.0 (it publishes no types) that the query comparison uses.
declare module 'orientjs' {
  export interface OrientJsResult<T> {
    all(): Promise<T[]>;
  }
  export interface OrientJsSession {
    query(statement: string, options?: { params?: Record<string, unknown> }): OrientJsResult<Record<string, unknown>>;
    command(statement: string, options?: { params?: Record<string, unknown> }): OrientJsResult<Record<string, unknown>>;
    close(): Promise<void>;
  }
  export interface OrientJsSessionPool {
    acquire(): Promise<OrientJsSession>;
    close(): Promise<void>;
  }
  export interface OrientJsClient {
    session(options: { name: string; username: string; password: string }): Promise<OrientJsSession>;
    sessions(options: {
      name: string;
      username: string;
      password: string;
      pool?: { min?: number; max?: number };
    }): Promise<OrientJsSessionPool>;
    close(): Promise<void>;
  }
  export const OrientDBClient: {
    connect(options: { host: string; port: number; pool?: { min?: number; max?: number } }): Promise<OrientJsClient>;
  };
  const orientjs: { OrientDBClient: typeof OrientDBClient };
  export default orientjs;
}
