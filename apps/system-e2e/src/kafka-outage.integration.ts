import { setTimeout as sleep } from 'node:timers/promises';
import {
  GENEROUS_CREDENTIAL_LIMITS,
  type RunningSystem,
  type SignedUpUser,
  eventually,
  signUp,
  startSystem,
  whileStopped,
  withSystemDatabase,
} from '@workshop/testing';
import { type GatewayClient, gatewayClient } from './http-client';

const USERS = 50;
const ORDERS = 500;
const OUTAGE_MS = 20_000;
const ORDER_TOTAL_MINOR = 1_250;

/** Runs `task` over `items`, `concurrency` at a time. */
async function inParallel<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await task(items[index] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

/**
 * The outbox's promise, tested: with the Kafka broker stopped for 20 s, 500 orders placed through
 * the gateway are all accepted (their events wait in the outbox), and once the broker is back
 * every one reaches its final state, each effect exactly once, counted in the database.
 */
describe('a Kafka outage while orders are placed', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;
  let users: SignedUpUser[];

  beforeAll(async () => {
    system = await startSystem({ env: GENEROUS_CREDENTIAL_LIMITS });
    gateway = gatewayClient(system.gatewayUrl);
    // Two at a time: password hashing is deliberately expensive, and more would queue up behind it.
    users = await inParallel(
      Array.from({ length: USERS }, (_, index) => index),
      2,
      () => signUp(system.gatewayUrl),
    );
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  it('accepts all 500 orders while the broker is down, and settles each exactly once after it returns', async () => {
    const placed = await whileStopped('kafka', async () => {
      const startedAt = Date.now();
      // Spread over the outage: every order is placed while the broker is down.
      const orderIds = await inParallel(
        Array.from({ length: ORDERS }, (_, index) => index),
        10,
        async (index) => {
          await sleep(Math.max(0, startedAt + (index * (OUTAGE_MS - 2_000)) / ORDERS - Date.now()));
          const user = users[index % USERS] as SignedUpUser;
          const response = await gateway.post<{ id: string; status: string }>(
            '/orders',
            {
              userId: user.id,
              lines: [{ sku: 'OUTAGE-1', quantity: 1, unitPrice: { amountMinor: ORDER_TOTAL_MINOR, currencyCode: 'EUR' } }],
            },
            user.authorization,
          );
          expect(response.status).toBe(201);
          expect(response.body.status).toBe('PLACED');
          return response.body.id;
        },
      );
      await sleep(Math.max(0, startedAt + OUTAGE_MS - Date.now()));
      return orderIds;
    });

    expect(new Set(placed).size).toBe(ORDERS);
    const userIds = users.map((user) => user.id);
    await withSystemDatabase(async (query) => {
      const statuses = await eventually(
        () =>
          query<{ status: string; orders: number }>(
            'SELECT status, count(*)::int AS orders FROM orders.orders WHERE id = ANY($1::uuid[]) GROUP BY status',
            [placed],
          ),
        (rows) => rows.length === 1 && rows[0]?.status === 'CONFIRMED',
        { description: 'every order to be confirmed once Kafka is back', timeoutMs: 120_000, intervalMs: 500 },
      );
      expect(statuses).toEqual([{ status: 'CONFIRMED', orders: ORDERS }]);

      // Exactly once: one credit decision per order, two history steps per order, one count in the statistics.
      const [reservations] = await query<{ reserved: number; orders: number }>(
        `SELECT count(*) FILTER (WHERE status = 'RESERVED')::int AS reserved, count(DISTINCT order_id)::int AS orders
           FROM users.credit_reservations WHERE order_id = ANY($1::uuid[])`,
        [placed],
      );
      expect(reservations).toEqual({ reserved: ORDERS, orders: ORDERS });
      const history = await query<{ steps: number }>(
        'SELECT count(*)::int AS steps FROM orders.order_history WHERE order_id = ANY($1::uuid[]) GROUP BY order_id',
        [placed],
      );
      expect(history).toHaveLength(ORDERS);
      expect(history.every((order) => order.steps === 2)).toBe(true);
      const statistics = await eventually(
        () =>
          query<{ orders: number; spent: number }>(
            `SELECT COALESCE(sum(orders_count), 0)::int AS orders, COALESCE(sum(total_spent_minor), 0)::bigint AS spent
               FROM users.order_statistics WHERE user_id = ANY($1::uuid[])`,
            [userIds],
          ),
        (rows) => rows[0]?.orders === ORDERS,
        { description: 'every order to reach the statistics', timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(statistics).toEqual([{ orders: ORDERS, spent: ORDERS * ORDER_TOTAL_MINOR }]);
      const backlog = await eventually(
        () =>
          query<{ unpublished: number }>(
            // The relays delete what they have published: what is left is the backlog.
            `SELECT (SELECT count(*) FROM orders.outbox)::int + (SELECT count(*) FROM users.outbox)::int AS unpublished`,
          ),
        (rows) => rows[0]?.unpublished === 0,
        { description: 'both outboxes to drain', timeoutMs: 30_000, intervalMs: 500 },
      );
      expect(backlog).toEqual([{ unpublished: 0 }]);
    });
  }, 300_000);
});
