import { randomUUID } from 'node:crypto';
import { GENEROUS_CREDENTIAL_LIMITS, type RunningSystem, signUp, startSystem, testSystemPorts, withReplicaLag } from '@workshop/testing';
import { type GatewayClient, gatewayClient } from './http-client';

const ITERATIONS = 1_000;
const CLIENTS = 8;
/** Far more than a request takes, so every read after a write meets a replica without it. */
const REPLICA_APPLY_DELAY_MS = 1_000;

/**
 * Read-your-writes through the whole system while the replica lags: the gateway hands the client
 * a consistency token after each write (header and cookie); sent back, it travels over gRPC to
 * user-service, whose session read goes only to a replica that has replayed it, or to the primary.
 */
describe('read-your-writes through the gateway, with a lagging replica', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;

  beforeAll(async () => {
    // Eight clients as fast as they go, from one address: this measures consistency, not limits.
    system = await startSystem({ env: { ...GENEROUS_CREDENTIAL_LIMITS, RATE_LIMIT_ENABLED: 'false' } });
    gateway = gatewayClient(system.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  it(`${ITERATIONS} times "rename, then read with the returned token" never shows the old name`, async () => {
    const staleReads: string[] = [];
    // Each client renames its own user and reads it back, one step after the other; several
    // clients at once keep the run short.
    const client = async (clientNumber: number) => {
      const user = await signUp(system.gatewayUrl, { email: `ryw+${randomUUID()}@example.com`, name: 'Before' });
      const userId = user.id;
      for (let iteration = 0; iteration < ITERATIONS / CLIENTS; iteration += 1) {
        const name = `Ada ${clientNumber}.${iteration}`;
        const updated = await gateway.request<{ name: string }>('PATCH', `/users/${userId}`, {
          json: { name },
          headers: user.authorization,
        });
        expect(updated.status).toBe(200);
        const token = updated.headers.get('x-consistency-token');
        expect(token).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
        expect(updated.headers.get('set-cookie')).toContain(`consistency_token=${token}`);

        // Half the reads send the token as an API client would, half as a browser's cookie.
        const sendBack: Record<string, string> =
          iteration % 2 === 0 ? { 'x-consistency-token': token! } : { cookie: `consistency_token=${token}` };
        const read = await gateway.get<{ name: string }>(`/users/${userId}`, { ...user.authorization, ...sendBack });
        expect(read.status).toBe(200);
        if (read.body.name !== name) staleReads.push(`read "${read.body.name}" after writing "${name}"`);
      }
    };
    await withReplicaLag({ delayMs: REPLICA_APPLY_DELAY_MS }, () =>
      Promise.all(Array.from({ length: CLIENTS }, (_, clientNumber) => client(clientNumber))),
    );

    expect(staleReads).toEqual([]);
    // The replica really lagged: user-service served those reads from the primary because of it.
    const metrics = await (await fetch(`http://127.0.0.1:${testSystemPorts().userServiceHttp}/metrics`)).text();
    const fallbacks = [...metrics.matchAll(/^db_replica_fallbacks_total\{[^}]*reason="(session_\w+|no_eligible_replica)"[^}]*\} (\d+)/gm)];
    expect(fallbacks.reduce((sum, [, , count]) => sum + Number(count), 0)).toBeGreaterThanOrEqual(ITERATIONS / 2);
  }, 300_000);
});
