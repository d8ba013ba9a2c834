import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { HttpClient } from './http-client';
import { runLoad, type IssueRequest } from './load-generator';

/** A local server that answers every request after `delayMs`: a system that keeps up, or not. */
async function startServer(delayMs: number): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    const answer = () => response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (delayMs === 0) answer();
    else setTimeout(answer, delayMs);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('runLoad', () => {
  let fast: { server: Server; url: string };
  let client: HttpClient;
  const get: IssueRequest = async () => ({ operation: 'get', status: (await client.send({ method: 'GET', path: '/' })).status });

  beforeAll(async () => {
    fast = await startServer(0);
    client = new HttpClient(fast.url, { maxSockets: 64, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    client.close();
    fast.server.closeAllConnections();
    await new Promise((resolve) => fast.server.close(resolve));
  });

  it('sends at the target rate, within 2%, when the system keeps up', async () => {
    const result = await runLoad({ kind: 'open', stages: [{ ratePerSecond: 300, durationSeconds: 3 }] }, get);

    expect(result.scheduled).toBe(900);
    expect(result.sent).toBe(900);
    expect(result.completed).toBe(900);
    expect(result.errors).toBe(0);
    expect(result.achievedRatePerSecond).toBeGreaterThanOrEqual(300 * 0.98);
    expect(result.achievedRatePerSecond).toBeLessThanOrEqual(300 * 1.02);
    expect(result.throughputPerSecond).toBeGreaterThanOrEqual(300 * 0.98);
    expect(result.operations['get']?.requests).toBe(900);
    expect(result.timeline.map((point) => point.second)).toEqual([0, 1, 2]);
    expect(result.timeline.map((point) => point.targetRatePerSecond)).toEqual([300, 300, 300]);
  }, 20_000);

  it('follows a ramp: each stage at its own rate', async () => {
    const result = await runLoad(
      {
        kind: 'open',
        stages: [
          { ratePerSecond: 100, durationSeconds: 1 },
          { ratePerSecond: 300, durationSeconds: 1 },
        ],
      },
      get,
    );

    expect(result.sent).toBe(400);
    expect(result.targetRatePerSecond).toBe(200);
    const [first, second] = result.timeline;
    expect(first?.completed).toBe(100);
    expect(second?.completed).toBe(300);
  }, 20_000);

  it('counts queueing in latency when the system falls behind (no coordinated omission)', async () => {
    // 4 connections to a server taking 50 ms: at most 80 req/s served, 200 req/s offered.
    const slow = await startServer(50);
    const narrowClient = new HttpClient(slow.url, { maxSockets: 4, timeoutMs: 10_000 });
    try {
      const issue: IssueRequest = async () => ({
        operation: 'get',
        status: (await narrowClient.send({ method: 'GET', path: '/' })).status,
      });
      const open = await runLoad({ kind: 'open', stages: [{ ratePerSecond: 200, durationSeconds: 1 }] }, issue);
      const closed = await runLoad({ kind: 'closed', users: 4, durationSeconds: 1, thinkTimeMs: 0 }, issue);

      // Each request waited behind the ones queued before it: the last ones about 1.5 s.
      expect(open.latency.p99).toBeGreaterThan(1_000);
      // The closed loop only ever sees the service time: the number that hides the queue.
      expect(closed.latency.p99).toBeLessThan(open.latency.p99 / 5);
      expect(open.sent).toBe(200);
    } finally {
      narrowClient.close();
      slow.server.closeAllConnections();
      await new Promise((resolve) => slow.server.close(resolve));
    }
  }, 30_000);

  it('runs N closed-loop users back to back and reports their rate', async () => {
    const users = new Set<number | undefined>();
    const result = await runLoad({ kind: 'closed', users: 3, durationSeconds: 1, thinkTimeMs: 10 }, async (user) => {
      users.add(user);
      return get(user);
    });

    expect([...users].sort()).toEqual([0, 1, 2]);
    expect(result.sent).toBe(result.completed);
    expect(result.achievedRatePerSecond).toBeGreaterThan(0);
    expect(result.targetRatePerSecond).toBeUndefined();
  }, 20_000);

  it('counts a request the workload failed to send as an error', async () => {
    const result = await runLoad({ kind: 'open', stages: [{ ratePerSecond: 50, durationSeconds: 0.2 }] }, () =>
      Promise.reject(new Error('bug')),
    );

    expect(result.errors).toBe(10);
    expect(result.operations['unexpected-error']?.errors).toBe(10);
  });
});
