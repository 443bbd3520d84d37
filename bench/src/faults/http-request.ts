// Raw HTTP requests to the Stytch-like server, for what the provider does not do (create users, send broken bodies).
import http from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly text: string;
}

export interface RawRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** A keep-alive agent to reuse sockets; without one, each request has its own connection, closed afterwards. */
  readonly agent?: http.Agent;
  readonly timeoutMs?: number;
}

/** Sends one request; resolves with status and body text, rejects on a network failure or after `timeoutMs`. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.path, baseUrl);
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const req = http.request(url, { method: request.method, headers, agent: request.agent ?? false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${request.timeoutMs ?? 10_000} ms`)),
      request.timeoutMs ?? 10_000,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(request.body);
  });
}

/** HTTP Basic `project_id:secret`, as the API wants it. */
export function basicAuth(projectId: string, secret: string): string {
  return `Basic ${Buffer.from(`${projectId}:${secret}`, 'utf8').toString('base64')}`;
}

/** Creates a password user (and its first session) with `POST /v1/passwords`; throws unless the answer is 200. */
export async function createPasswordUser(
  baseUrl: string,
  project: { projectId: string; secret: string },
  email: string,
  password: string,
): Promise<void> {
  const response = await rawRequest(baseUrl, {
    method: 'POST',
    path: '/v1/passwords',
    headers: { authorization: basicAuth(project.projectId, project.secret), 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    timeoutMs: 30_000,
  });
  if (response.status !== 200)
    throw new Error(`POST /v1/passwords answered ${response.status}: ${response.text.slice(0, 200)}`);
}

/** True when `GET /health` answers 200. */
export async function isHealthy(baseUrl: string, timeoutMs = 5000): Promise<boolean> {
  try {
    return (await rawRequest(baseUrl, { method: 'GET', path: '/health', timeoutMs })).status === 200;
  } catch {
    return false;
  }
}
