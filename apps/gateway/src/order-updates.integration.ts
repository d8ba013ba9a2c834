import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadInfrastructureConfig, processEnvironment } from '@workshop/config';
import { ORDER_STATUS_CHANGED_TOPIC, type eventsV1, orderV1 } from '@workshop/contracts';
import { AccessTokens, ORDER_UPDATES_PATH, ORDER_UPDATES_SUBPROTOCOL, OrderUpdatesFeed, SERVER_EVENTS } from '@workshop/gateway-feature';
import { EventPublisher } from '@workshop/messaging';
import { createLogger } from '@workshop/observability';
import { eventually, TestWebSocketClient, UpgradeRefusedError } from '@workshop/testing';
import { createGateway } from './gateway.app';
import { type GatewayConfig, loadGatewayConfig } from './gateway.config';

const { PLACED, CONFIRMED, REJECTED, CANCELLED } = {
  PLACED: orderV1.OrderStatus.ORDER_STATUS_PLACED,
  CONFIRMED: orderV1.OrderStatus.ORDER_STATUS_CONFIRMED,
  REJECTED: orderV1.OrderStatus.ORDER_STATUS_REJECTED,
  CANCELLED: orderV1.OrderStatus.ORDER_STATUS_CANCELLED,
};
const runId = randomUUID().slice(0, 8);
const logger = createLogger('order-updates-it', 'silent');

interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
  tokenFor(userId: string): string;
}

/** A gateway in-process, as main.ts builds it, on a free port. The services are not needed: the feed is Kafka's. */
async function startGateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const config: GatewayConfig = loadGatewayConfig({
    ...processEnvironment(),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_KEY_PREFIX: `order-updates-it-${runId}`,
    ...env,
  });
  const { app } = await createGateway(config, { ownsProcess: false });
  await app.listen(0, '127.0.0.1');
  const feed = app.get(OrderUpdatesFeed);
  await eventually(async () => feed.isConsuming, Boolean, { timeoutMs: 30_000, description: 'the gateway consuming order.status-changed' });
  const address = app.getHttpServer().address() as { port: number };
  const tokens = app.get(AccessTokens);
  return {
    app,
    url: `ws://127.0.0.1:${address.port}${ORDER_UPDATES_PATH}`,
    tokenFor: (userId) => tokens.issue({ userId, role: 'user' }).token,
  };
}

function statusChange(
  userId: string,
  orderId: string,
  status: orderV1.OrderStatus,
  previousStatus = orderV1.OrderStatus.ORDER_STATUS_UNSPECIFIED,
): eventsV1.OrderStatusChanged {
  return {
    eventId: randomUUID(),
    orderId,
    userId,
    status,
    previousStatus,
    reason: status === REJECTED ? 'credit limit exceeded' : '',
    occurredAt: new Date(),
  };
}

/**
 * The order-updates WebSocket on real Kafka: events published onto order.status-changed with
 * EventPublisher (as order-service's outbox relay does) reach real WebSocket clients of two
 * gateway instances, each client getting only its own user's changes.
 */
describe('order updates over WebSocket, fed by Kafka, on two gateway instances', () => {
  const { kafka } = loadInfrastructureConfig();
  const publisher = new EventPublisher({ ...kafka, clientId: `order-updates-it-${runId}` }, logger);
  const gateways: RunningGateway[] = [];
  const clients: TestWebSocketClient[] = [];
  let first: RunningGateway;
  let second: RunningGateway;

  async function connect(gateway: RunningGateway, userId: string): Promise<TestWebSocketClient> {
    const client = await TestWebSocketClient.connect(gateway.url, { headers: { authorization: `Bearer ${gateway.tokenFor(userId)}` } });
    clients.push(client);
    return client;
  }

  async function subscribe(client: TestWebSocketClient, data: { orderId?: string; lastEventId?: string } = {}): Promise<void> {
    const before = client.framesOf(SERVER_EVENTS.subscribed).length;
    client.send('subscribe', data);
    await client.waitFor(SERVER_EVENTS.subscribed, before + 1);
  }

  beforeAll(async () => {
    await publisher.connect();
    first = await startGateway();
    second = await startGateway();
    gateways.push(first, second);
  }, 90_000);

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.app.close()));
    await publisher.disconnect();
  }, 60_000);

  it('refuses an upgrade without a valid token with 401 and a Bearer challenge', async () => {
    const missing = await TestWebSocketClient.connect(first.url).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(UpgradeRefusedError);
    const refused = missing as UpgradeRefusedError;
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="workshop"');
    expect(JSON.parse(refused.body)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', instance: ORDER_UPDATES_PATH });

    const forged = await TestWebSocketClient.connect(first.url, { headers: { authorization: 'Bearer not.a.token' } }).catch(
      (error: unknown) => error,
    );
    expect((forged as UpgradeRefusedError).status).toBe(401);
    expect((forged as UpgradeRefusedError).headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('accepts the token as a subprotocol, as browsers send it, and selects only the protocol', async () => {
    const userId = randomUUID();
    const client = await TestWebSocketClient.connect(first.url, {
      protocols: [ORDER_UPDATES_SUBPROTOCOL, `bearer.${first.tokenFor(userId)}`],
    });
    clients.push(client);
    expect(client.socket.protocol).toBe(ORDER_UPDATES_SUBPROTOCOL);
    await subscribe(client);
  });

  it('delivers each status change within a second to the user on either instance, and never to another user', async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const aliceOnFirst = await connect(first, alice);
    const aliceOnSecond = await connect(second, alice);
    const bobOnFirst = await connect(first, bob);
    await Promise.all([subscribe(aliceOnFirst), subscribe(aliceOnSecond), subscribe(bobOnFirst)]);

    const aliceOrder = randomUUID();
    const bobOrder = randomUUID();
    const aliceChanges = [statusChange(alice, aliceOrder, PLACED), statusChange(alice, aliceOrder, CONFIRMED, PLACED)];
    const bobChanges = [statusChange(bob, bobOrder, PLACED), statusChange(bob, bobOrder, REJECTED, PLACED)];
    const publishedAt = Date.now();
    await publisher.publish(
      ORDER_STATUS_CHANGED_TOPIC,
      [...aliceChanges, ...bobChanges].map((payload) => ({ key: payload.userId, payload })),
    );

    for (const client of [aliceOnFirst, aliceOnSecond]) {
      const frames = await client.waitFor(SERVER_EVENTS.statusChanged, 2, 1_000);
      expect(frames.map((frame) => frame.data)).toEqual([
        {
          eventId: aliceChanges[0].eventId,
          orderId: aliceOrder,
          status: 'PLACED',
          previousStatus: null,
          reason: null,
          occurredAt: expect.any(String),
        },
        {
          eventId: aliceChanges[1].eventId,
          orderId: aliceOrder,
          status: 'CONFIRMED',
          previousStatus: 'PLACED',
          reason: null,
          occurredAt: expect.any(String),
        },
      ]);
      expect(Math.max(...frames.map((frame) => frame.receivedAt)) - publishedAt).toBeLessThan(1_000);
    }
    const bobFrames = await bobOnFirst.waitFor(SERVER_EVENTS.statusChanged, 2, 1_000);
    expect(bobFrames.map((frame) => [frame.data.status, frame.data.reason])).toEqual([
      ['PLACED', null],
      ['REJECTED', 'credit limit exceeded'],
    ]);
    // Nothing else arrives: each client saw exactly its own user's two changes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(aliceOnFirst.framesOf(SERVER_EVENTS.statusChanged).every((frame) => frame.data.orderId === aliceOrder)).toBe(true);
    expect(bobOnFirst.framesOf(SERVER_EVENTS.statusChanged)).toHaveLength(2);
    expect(aliceOnSecond.framesOf(SERVER_EVENTS.statusChanged)).toHaveLength(2);
  });

  it('follows one order when subscribed to its id, and stops on unsubscribe', async () => {
    const userId = randomUUID();
    const followed = randomUUID();
    const other = randomUUID();
    const client = await connect(first, userId);
    await subscribe(client, { orderId: followed });

    await publisher.publish(ORDER_STATUS_CHANGED_TOPIC, [
      { key: userId, payload: statusChange(userId, other, PLACED) },
      { key: userId, payload: statusChange(userId, followed, PLACED) },
    ]);
    const [frame] = await client.waitFor(SERVER_EVENTS.statusChanged, 1, 1_000);
    expect(frame.data.orderId).toBe(followed);

    client.send('unsubscribe', { orderId: followed });
    await client.waitFor(SERVER_EVENTS.unsubscribed);
    await publisher.publish(ORDER_STATUS_CHANGED_TOPIC, [{ key: userId, payload: statusChange(userId, followed, CANCELLED, PLACED) }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(client.framesOf(SERVER_EVENTS.statusChanged)).toHaveLength(1);
  });

  it('resumes after a reconnect, on the other instance, from the last event id seen', async () => {
    const userId = randomUUID();
    const orderId = randomUUID();
    const before = await connect(first, userId);
    await subscribe(before);
    const seen = statusChange(userId, orderId, PLACED);
    await publisher.publish(ORDER_STATUS_CHANGED_TOPIC, [{ key: userId, payload: seen }]);
    const [lastSeen] = await before.waitFor(SERVER_EVENTS.statusChanged, 1, 1_000);
    await before.close();

    // Missed while disconnected: both instances consumed them.
    const missed = [statusChange(userId, orderId, CONFIRMED, PLACED), statusChange(userId, orderId, CANCELLED, CONFIRMED)];
    await publisher.publish(
      ORDER_STATUS_CHANGED_TOPIC,
      missed.map((payload) => ({ key: userId, payload })),
    );
    const afterwards = await connect(second, userId);
    await eventually(
      async () => {
        // Poll by resuming on fresh connections until the second instance has consumed both.
        const probe = await connect(second, userId);
        await subscribe(probe, { lastEventId: lastSeen.data.eventId as string });
        await new Promise((resolve) => setTimeout(resolve, 100));
        return probe.framesOf(SERVER_EVENTS.statusChanged).length;
      },
      (count) => count === 2,
      { timeoutMs: 5_000, description: 'the second instance to hold the missed changes' },
    );
    await subscribe(afterwards, { lastEventId: lastSeen.data.eventId as string });
    const replayed = await afterwards.waitFor(SERVER_EVENTS.statusChanged, 2, 1_000);
    expect(replayed.map((frame) => frame.data.eventId)).toEqual(missed.map((event) => event.eventId));
    expect(replayed.map((frame) => frame.data.status)).toEqual(['CONFIRMED', 'CANCELLED']);

    // And live updates follow the replay on the same connection.
    const live = statusChange(userId, randomUUID(), PLACED);
    await publisher.publish(ORDER_STATUS_CHANGED_TOPIC, [{ key: userId, payload: live }]);
    const frames = await afterwards.waitFor(SERVER_EVENTS.statusChanged, 3, 1_000);
    expect(frames[2].data.eventId).toBe(live.eventId);
  });

  it('tells a client whose last event id is unknown to resync over HTTP', async () => {
    const client = await connect(first, randomUUID());
    const unknown = randomUUID();
    await subscribe(client, { lastEventId: unknown });
    const [resync] = await client.waitFor(SERVER_EVENTS.resyncRequired);
    expect(resync.data).toEqual({ lastEventId: unknown, reason: expect.any(String) });
  });

  it('answers malformed and invalid frames with an error frame and keeps the connection', async () => {
    const client = await connect(first, randomUUID());
    client.sendRaw('not json');
    client.send('shout', {});
    client.send('subscribe', { orderId: 'not-a-uuid' });
    const errors = await client.waitFor(SERVER_EVENTS.error, 3, 2_000);
    expect(errors.map((frame) => frame.data.code)).toEqual(['VALIDATION_FAILED', 'VALIDATION_FAILED', 'VALIDATION_FAILED']);
    expect(errors[2].data.errors).toEqual([{ field: 'orderId', message: expect.stringContaining('UUID') }]);
    await subscribe(client);
    expect(client.closed).toBeUndefined();
  });

  it('rate-limits messages with a RESOURCE_EXHAUSTED frame, and upgrades with 429 and Retry-After', async () => {
    const limited = await startGateway({ RATE_LIMIT_PER_USER_BURST: '3', RATE_LIMIT_PER_USER_PER_MINUTE: '1' });
    gateways.push(limited);
    const userId = randomUUID();
    // The upgrade is one request of the burst of 3, so two messages pass and the third is limited.
    const client = await connect(limited, userId);
    for (let message = 0; message < 3; message += 1) client.send('subscribe', {});
    const [limit] = await client.waitFor(SERVER_EVENTS.error);
    expect(limit.data).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterSeconds: expect.any(Number) });
    expect(client.framesOf(SERVER_EVENTS.subscribed)).toHaveLength(2);
    expect(client.closed).toBeUndefined();

    const refused = await TestWebSocketClient.connect(limited.url, {
      headers: { authorization: `Bearer ${limited.tokenFor(userId)}` },
    }).catch((error: unknown) => error);
    expect((refused as UpgradeRefusedError).status).toBe(429);
    expect(Number((refused as UpgradeRefusedError).headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse((refused as UpgradeRefusedError).body)).toMatchObject({ status: 429, code: 'RESOURCE_EXHAUSTED' });

    // One budget across transports: the same guard, the same user limit, now spent, on HTTP too.
    const overHttp = await fetch(`${limited.url.replace(/^ws/, 'http').replace(ORDER_UPDATES_PATH, '')}/users/me`, {
      headers: { authorization: `Bearer ${limited.tokenFor(userId)}` },
    });
    expect(overHttp.status).toBe(429);
    expect(overHttp.headers.get('ratelimit')).toContain('"per-user"');
  }, 60_000);

  it('closes its clients with 1001 on shutdown, so they reconnect elsewhere and resume', async () => {
    const leaving = await startGateway();
    const client = await connect(leaving, randomUUID());
    await leaving.app.close();
    expect((await client.waitForClose()).code).toBe(1001);
  }, 60_000);
});
