/**
 * The closed-loop driver's end of a run, against a node:http server started here that counts what
 * it is sent: the run stops soon after its last counted answer, so the uncounted `GET /healthz`
 * traffic of the drain stays a small tail of the run and does not weigh on what is measured
 * around it (CPU per request). A bound on counts, not on speed: a run of 300 ms against a drain
 * that lasted until autocannon's next one-second tick sent more uncounted requests than counted.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { drive } from '../../load/runner/drive.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('drive', () => {
  it('counts every answer it sent for and stops within a short tail of uncounted requests', async () => {
    const hits = { counted: 0, healthz: 0 };
    const server = createServer((req, res) => {
      if (req.url === '/healthz') hits.healthz += 1;
      else hits.counted += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const result = await drive({
      url,
      connections: 4,
      durationS: 0.3,
      next: () => ({ method: 'GET', path: '/counted' }),
    });

    expect(result.answered).toBe(result.sent);
    expect(result.answered).toBe(hits.counted);
    expect(result.statusCounts).toEqual({ '200': hits.counted });
    expect(hits.counted).toBeGreaterThan(0);
    // Each connection has at most one counted request in flight at the deadline; what follows is
    // the drain until autocannon stops.
    expect(hits.healthz).toBeLessThan(hits.counted / 4);
  });
});
