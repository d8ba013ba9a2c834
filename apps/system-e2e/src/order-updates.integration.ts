import { GENEROUS_CREDENTIAL_LIMITS, type RunningSystem, signUp, startSystem, TestWebSocketClient } from '@workshop/testing';
import { type GatewayClient, gatewayClient } from './http-client';

/** The public protocol, written out as a client would: this suite sees the system from outside. */
const ORDER_UPDATES_PATH = '/order-updates';
const STATUS_CHANGED = 'order.status-changed';

/**
 * Real-time order updates through the whole system: an order placed over HTTP goes through
 * order-service (its outbox publishes every status change to order.status-changed), the credit
 * saga with user-service, and back to the client over the gateway's WebSocket.
 */
describe('order status updates over the WebSocket, end to end', () => {
  let system: RunningSystem;
  let gateway: GatewayClient;

  beforeAll(async () => {
    system = await startSystem({ env: { ...GENEROUS_CREDENTIAL_LIMITS } });
    gateway = gatewayClient(system.gatewayUrl);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  }, 30_000);

  it('pushes PLACED, then CONFIRMED, for an order placed over HTTP', async () => {
    const user = await signUp(system.gatewayUrl);
    const socketUrl = `${system.gatewayUrl.replace(/^http/, 'ws')}${ORDER_UPDATES_PATH}`;
    const client = await TestWebSocketClient.connect(socketUrl, { headers: user.authorization });
    try {
      client.send('subscribe', {});
      await client.waitFor('subscribed');

      const placed = await gateway.post<{ id: string }>(
        '/orders',
        { userId: user.id, lines: [{ sku: 'BOOK-1843', quantity: 1, unitPrice: { amountMinor: 1250, currencyCode: 'EUR' } }] },
        user.authorization,
      );
      expect(placed.status).toBe(201);
      const orderId = placed.body.id;

      const [first, final] = await client.waitFor(STATUS_CHANGED, 2, 5_000);
      expect(first.data).toMatchObject({ orderId, status: 'PLACED', previousStatus: null });
      expect(final.data).toMatchObject({ orderId, status: 'CONFIRMED', previousStatus: 'PLACED', reason: null });
      expect(first.data.eventId).not.toBe(final.data.eventId);

      // The HTTP API agrees with what the socket said.
      const read = await gateway.get<{ status: string }>(`/orders/${orderId}`, user.authorization);
      expect(read.body.status).toBe('CONFIRMED');
    } finally {
      await client.close();
    }
  }, 30_000);
});
