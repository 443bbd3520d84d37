// The flood of the flood figure, in its own process (so its work does not delay the measuring clients): `FLOOD_CLIENTS`
// clients, each from its own address (X-Forwarded-For), each sending wrong-password logins for fresh emails back to
// back, ignoring Retry-After as an attacker does, for `FLOOD_MS`. Prints the answers by status as JSON at the end.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { rawRequest } from './http-request.ts';

const url = process.env['FLOOD_URL'] ?? '';
const authorization = process.env['FLOOD_AUTHORIZATION'] ?? '';
const clients = Number(process.env['FLOOD_CLIENTS'] ?? 64);
const floodMs = Number(process.env['FLOOD_MS'] ?? 10_000);
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const statuses: Record<string, number> = {};
const reasons: Record<string, number> = {};
const deadline = Date.now() + floodMs;

await Promise.all(
  Array.from({ length: clients }, async (_, client) => {
    const address = `10.${(client >> 8) & 255}.${client & 255}.${1 + (client % 250)}`;
    while (Date.now() < deadline) {
      try {
        const answer = await rawRequest(url, {
          method: 'POST',
          path: '/v1/passwords/authenticate',
          headers: { authorization, 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({
            email: `victim-${randomBytes(6).toString('hex')}@example.test`,
            password: 'Winter2026!',
          }),
          agent,
          timeoutMs: 30_000,
        });
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status === 429) {
          const reason = String(
            (JSON.parse(answer.text) as { error_details?: { reason?: string } }).error_details?.reason,
          );
          reasons[reason] = (reasons[reason] ?? 0) + 1;
        }
      } catch {
        statuses['network error'] = (statuses['network error'] ?? 0) + 1;
      }
    }
  }),
);
agent.destroy();
process.stdout.write(`${JSON.stringify({ statuses, reasons })}\n`);
