import { randomUUID } from 'node:crypto';
import { type RunningSystem, type ServiceInstance, startSystem } from '@workshop/testing';
import { type GatewayClient, gatewayClient } from './http-client';

/**
 * Two user-service instances behind one gateway: the gateway's channel balances round-robin
 * over both, and when one is killed under load (SIGKILL: no goodbye, calls in flight cut off)
 * the reads it was serving are retried on the other. A read is idempotent, so not one of them
 * may fail.
 */
describe('several user-service instances', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;

  beforeAll(async () => {
    system = await startSystem({ userServiceInstances: 2 });
    gateway = gatewayClient(system.gatewayUrl);
  }, 150_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  /** GetUser calls an instance has handled, from its own Prometheus metrics. */
  async function getUserCallsServedBy(instance: ServiceInstance): Promise<number> {
    const metrics = await fetch(`http://127.0.0.1:${instance.httpPort}/metrics`).then((response) => response.text());
    return metrics
      .split('\n')
      .filter((line) => line.startsWith('requests_total{') && line.includes('transport="grpc"') && line.includes('.getUser"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  it('spreads reads over both instances, and loses none when one dies mid-load', async () => {
    const created = await gateway.post<{ id: string }>('/users', { email: `lb+${randomUUID()}@example.com`, name: 'Grace Hopper' });
    expect(created.status).toBe(201);
    const [first, second] = system.userServiceInstances;
    if (first === undefined || second === undefined) throw new Error('expected two user-service instances');

    const failures: string[] = [];
    let served = 0;
    let servedAfterKill = 0;
    let killed = false;
    let running = true;
    const worker = async () => {
      while (running) {
        const response = await gateway.get(`/users/${created.body.id}`).catch((error: unknown) => ({ status: 0, body: String(error) }));
        if (response.status === 200) {
          served += 1;
          if (killed) servedAfterKill += 1;
        } else {
          failures.push(`${response.status} ${JSON.stringify(response.body)}`);
        }
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const servedBeforeKill = { first: await getUserCallsServedBy(first), second: await getUserCallsServedBy(second) };
    const exit = await system.kill(second.name, 'SIGKILL');
    killed = true;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    running = false;
    await Promise.all(workers);

    expect(exit.signal).toBe('SIGKILL');
    expect(servedBeforeKill.first).toBeGreaterThan(0);
    expect(servedBeforeKill.second).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(servedAfterKill).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(servedAfterKill);
  }, 60_000);
});
