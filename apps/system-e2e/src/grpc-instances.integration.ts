import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Client, type ClientDuplexStream, credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  GENEROUS_CREDENTIAL_LIMITS,
  type RunningSystem,
  type SystemProcess,
  signUp,
  startSystem,
  testSystemPorts,
} from '@workshop/testing';
import { type GatewayClient, gatewayClient } from './http-client';

/**
 * gRPC as any standard client meets it, and as the gateway uses it with two user-service
 * instances: the gateway's channel balances round-robin over both, and when one is killed under
 * load (SIGKILL: no goodbye, calls in flight cut off) the reads it was serving are retried on
 * the other. A read is idempotent, so not one of them may fail.
 */
describe('gRPC across several user-service instances', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;

  beforeAll(async () => {
    // Eight workers read as one user as fast as they can: this measures balancing, not the limits.
    system = await startSystem({ instances: { 'user-service': 2 }, env: { ...GENEROUS_CREDENTIAL_LIMITS, RATE_LIMIT_ENABLED: 'false' } });
    gateway = gatewayClient(system.gatewayUrl);
  }, 150_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  /** GetUser calls an instance has handled, from its own Prometheus metrics. */
  async function getUserCallsServedBy(instance: SystemProcess): Promise<number> {
    const metrics = await fetch(`${instance.httpUrl}/metrics`).then((response) => response.text());
    return metrics
      .split('\n')
      .filter((line) => line.startsWith('requests_total{') && line.includes('transport="grpc"') && line.includes('.getUser"'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  // A plain grpc-js client that knows nothing of this project's protos, like grpcurl.
  const standardProtos = loadPackageDefinition(
    loadSync(['health/v1/health.proto', 'grpc/reflection/v1/reflection.proto'], {
      enums: String,
      includeDirs: [
        join(require.resolve('grpc-health-check/package.json'), '../proto'),
        join(require.resolve('@grpc/reflection/package.json'), '../build/proto'),
      ],
    }),
  );
  const standardClient = (service: string, address: string): Client => {
    const constructor = service.split('.').reduce<unknown>((scope, name) => (scope as Record<string, unknown>)[name], standardProtos);
    return new (constructor as ServiceClientConstructor)(address, credentials.createInsecure());
  };

  it.each([
    ['user-service', 'user.v1.UserService', () => `127.0.0.1:${testSystemPorts().userServiceGrpc}`],
    ['order-service', 'order.v1.OrderService', () => `127.0.0.1:${testSystemPorts().orderServiceGrpc}`],
  ])('%s answers the standard health check and lists its services by reflection', async (_name, serviceName, address) => {
    const target = address() ?? '';
    const health = standardClient('grpc.health.v1.Health', target);
    const reflection = standardClient('grpc.reflection.v1.ServerReflection', target);

    const check = (service: string) =>
      new Promise<{ status: string }>((resolve, reject) =>
        (
          health as unknown as { check: (request: unknown, callback: (error: Error | null, response: { status: string }) => void) => void }
        ).check({ service }, (error, response) => (error ? reject(error) : resolve(response))),
      );
    const listed = await new Promise<string[]>((resolve, reject) => {
      const stream = (
        reflection as unknown as { serverReflectionInfo: () => ClientDuplexStream<unknown, ListServicesResponse> }
      ).serverReflectionInfo();
      stream.on('data', (response: ListServicesResponse) => {
        resolve(response.listServicesResponse?.service.map((service) => service.name) ?? []);
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ listServices: '' });
    });
    const statuses = [await check(''), await check(serviceName)];
    health.close();
    reflection.close();

    expect(statuses).toEqual([{ status: 'SERVING' }, { status: 'SERVING' }]);
    expect(listed).toEqual(expect.arrayContaining([serviceName, 'grpc.health.v1.Health']));
  });

  it('spreads reads over both instances, and loses none when one dies mid-load', async () => {
    const user = await signUp(system.gatewayUrl, { email: `lb+${randomUUID()}@example.com`, name: 'Grace Hopper' });
    const [first, second] = system.processes.filter((process) => process.service === 'user-service');
    if (first === undefined || second === undefined) throw new Error('expected two user-service instances');

    const failures: string[] = [];
    let served = 0;
    let servedAfterKill = 0;
    let killed = false;
    let running = true;
    const worker = async () => {
      while (running) {
        const response = await gateway
          .get(`/users/${user.id}`, user.authorization)
          .catch((error: unknown) => ({ status: 0, body: String(error) }));
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
    await second.kill('SIGKILL');
    killed = true;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    running = false;
    await Promise.all(workers);

    expect(second.running).toBe(false);
    expect(servedBeforeKill.first).toBeGreaterThan(0);
    expect(servedBeforeKill.second).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(servedAfterKill).toBeGreaterThan(0);
    expect(served).toBeGreaterThan(servedAfterKill);
  }, 60_000);
});

interface ListServicesResponse {
  listServicesResponse?: { service: { name: string }[] };
}
