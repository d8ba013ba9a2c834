import { GENEROUS_CREDENTIAL_LIMITS, type RunningSystem, type SignedUpUser, eventually, signUp, startSystem } from '@workshop/testing';
import { type GatewayClient, gatewayClient } from './http-client';

interface OrderBody {
  id: string;
  status: string;
  statusReason: string | null;
}

interface HistoryBody {
  entries: { step: string; status: string; detail: string; occurredAt: string }[];
}

/** A new user's credit limit (USER_CREDIT_LIMIT_MINOR's default): 10,000.00 in each currency. */
const CREDIT_LIMIT_MINOR = 1_000_000;

const orderOf = (user: SignedUpUser, amountMinor: number) => ({
  userId: user.id,
  lines: [{ sku: 'TELESCOPE-1', quantity: 1, unitPrice: { amountMinor, currencyCode: 'EUR' } }],
});

/**
 * The order saga through the gateway, on the real system: order-service and user-service agree
 * on each order's credit over Kafka (order.placed -> credit.reserved | credit.rejected), and a
 * cancellation gives the credit back (order.cancelled -> credit.released).
 */
describe('the order saga (ORDER_PROCESSING_MODE=async, the default)', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;

  beforeAll(async () => {
    system = await startSystem({ env: GENEROUS_CREDENTIAL_LIMITS });
    gateway = gatewayClient(system.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  const place = async (user: SignedUpUser, amountMinor: number) => {
    const placed = await gateway.post<OrderBody>('/orders', orderOf(user, amountMinor), user.authorization);
    expect(placed.status).toBe(201);
    return placed.body;
  };

  const settled = (user: SignedUpUser, orderId: string, status: string) =>
    eventually(
      async () => (await gateway.get<OrderBody>(`/orders/${orderId}`, user.authorization)).body,
      (order) => order.status === status,
      { description: `order ${orderId} to become ${status}`, timeoutMs: 30_000, intervalMs: 50 },
    );

  const stepsOf = async (user: SignedUpUser, orderId: string) =>
    (await gateway.get<HistoryBody>(`/orders/${orderId}/history`, user.authorization)).body.entries.map((entry) => entry.step);

  it('answers PLACED at once, then confirms the order when user-service has reserved the credit', async () => {
    const user = await signUp(system.gatewayUrl);

    const placed = await place(user, 2_500);

    expect(placed.status).toBe('PLACED');
    expect(await settled(user, placed.id, 'CONFIRMED')).toMatchObject({ statusReason: null });
    const history = await gateway.get<HistoryBody>(`/orders/${placed.id}/history`, user.authorization);
    expect(history.body.entries).toEqual([
      { step: 'PLACED', status: 'PLACED', detail: '', occurredAt: expect.any(String) },
      { step: 'CREDIT_RESERVED', status: 'CONFIRMED', detail: '', occurredAt: expect.any(String) },
    ]);
  });

  it('rejects an order beyond the credit limit, says why, and will not cancel it', async () => {
    const user = await signUp(system.gatewayUrl);

    const placed = await place(user, CREDIT_LIMIT_MINOR + 1);
    const rejected = await settled(user, placed.id, 'REJECTED');
    const cancel = await gateway.post(`/orders/${placed.id}/cancel`, {}, user.authorization);

    expect(rejected.statusReason).toMatch(/credit limit exceeded/);
    expect(await stepsOf(user, placed.id)).toEqual(['PLACED', 'CREDIT_REJECTED']);
    expect(cancel.status).toBe(422);
    expect(cancel.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('counts open orders against the limit, and a cancellation releases their credit (the compensation)', async () => {
    const user = await signUp(system.gatewayUrl);
    const first = await place(user, 700_000);
    await settled(user, first.id, 'CONFIRMED');

    const tooMuch = await place(user, 400_000);
    await settled(user, tooMuch.id, 'REJECTED');

    const cancelled = await gateway.post<OrderBody>(`/orders/${first.id}/cancel`, {}, user.authorization);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    await eventually(
      () => stepsOf(user, first.id),
      (steps) => steps.includes('CREDIT_RELEASED'),
      { description: 'user-service to release the cancelled order credit', timeoutMs: 30_000 },
    );
    expect(await stepsOf(user, first.id)).toEqual(['PLACED', 'CREDIT_RESERVED', 'CANCELLED', 'CREDIT_RELEASED']);

    const fitsAgain = await place(user, 400_000);
    await settled(user, fitsAgain.id, 'CONFIRMED');
    const again = await gateway.post<OrderBody>(`/orders/${first.id}/cancel`, {}, user.authorization);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('CANCELLED');

    // The statistics count confirmed orders only: the cancelled one left again, the rejected one never came.
    const statistics = await eventually(
      async () =>
        (
          await gateway.get<{ orderStatistics: { ordersCount: number; totalSpent: { amountMinor: number; currencyCode: string }[] } }>(
            `/users/${user.id}`,
            user.authorization,
          )
        ).body.orderStatistics,
      // One user's status changes are applied in order: 1 order of 400,000 is the state after all four.
      (current) => JSON.stringify(current.totalSpent) === JSON.stringify([{ amountMinor: 400_000, currencyCode: 'EUR' }]),
      { description: 'the statistics to count the one order still confirmed', timeoutMs: 30_000 },
    );
    expect(statistics.ordersCount).toBe(1);
  });

  it("answers 404 for another user's order, on cancel and on history alike", async () => {
    const owner = await signUp(system.gatewayUrl);
    const stranger = await signUp(system.gatewayUrl);
    const placed = await place(owner, 1_000);

    const cancel = await gateway.post(`/orders/${placed.id}/cancel`, {}, stranger.authorization);
    const history = await gateway.get(`/orders/${placed.id}/history`, stranger.authorization);

    expect(cancel.status).toBe(404);
    expect(history.status).toBe(404);
    expect((await gateway.get<OrderBody>(`/orders/${placed.id}`, owner.authorization)).body.status).not.toBe('CANCELLED');
  });
});

describe('the synchronous chain (ORDER_PROCESSING_MODE=sync)', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;

  beforeAll(async () => {
    system = await startSystem({ env: GENEROUS_CREDENTIAL_LIMITS, serviceEnv: { 'order-service': { ORDER_PROCESSING_MODE: 'sync' } } });
    gateway = gatewayClient(system.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  it('answers with the credit decision already taken: CONFIRMED, or REJECTED with its reason', async () => {
    const user = await signUp(system.gatewayUrl);

    const confirmed = await gateway.post<OrderBody>('/orders', orderOf(user, 600_000), user.authorization);
    const rejected = await gateway.post<OrderBody>('/orders', orderOf(user, 600_000), user.authorization);

    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', statusReason: null });
    expect(rejected.status).toBe(201);
    expect(rejected.body.status).toBe('REJECTED');
    expect(rejected.body.statusReason).toMatch(/credit limit exceeded/);
    const history = await gateway.get<HistoryBody>(`/orders/${confirmed.body.id}/history`, user.authorization);
    expect(history.body.entries.map((entry) => entry.step)).toEqual(['PLACED', 'CREDIT_RESERVED']);
  });
});
