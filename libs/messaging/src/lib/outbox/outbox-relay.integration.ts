import { randomUUID } from 'node:crypto';
import { loadInfrastructureConfig } from '@workshop/config';
import { DatabaseRouter, runMigrations } from '@workshop/db';
import { CORRELATION_ID_HEADER, createLogger, currentCorrelationId, runWithCorrelationId } from '@workshop/observability';
import { eventually, jsonTopic, metricValue, testKafkaConfig, uniqueRunId, type TestEvent } from '../../testing/messaging-test-support';
import { type EventContext } from '../consumer/event-context';
import { EventConsumer } from '../consumer/event-consumer';
import { EVENT_ID_HEADER } from '../event-headers';
import { EventPublisher, type EncodedEvent } from '../event-publisher';
import { deleteConsumerGroups, deleteTopics, ensureTopics } from '../topic-admin';
import { enqueueOutboxEvent } from './outbox-enqueue';
import { outboxMigrations } from './outbox-migration';
import { OutboxRelay, type OutboxPublisher } from './outbox-relay';

const runId = uniqueRunId();
const logger = createLogger('messaging-it', 'silent');
const kafkaConfig = testKafkaConfig(`messaging-it-${runId}`);
const schema = `messaging_it_${runId}`;
const topic = jsonTopic(`messaging-it.${runId}.outbox`);
/** Nothing listens on port 1: a broker address that refuses every connection, like a Kafka that is down. */
const unreachableKafkaConfig = { ...kafkaConfig, brokers: ['127.0.0.1:1'] };

interface Delivery {
  payload: TestEvent;
  context: EventContext;
  correlationIdInHandler: string | undefined;
}

describe('transactional outbox against the real Postgres and Kafka', () => {
  const db = new DatabaseRouter(
    { primaryUrl: loadInfrastructureConfig().postgres.primaryUrl, replicaUrls: [], applicationName: `messaging-it-${runId}`, poolSize: 6 },
    logger,
  );
  const publishers: EventPublisher[] = [];
  const relays: OutboxRelay[] = [];
  const groupId = `messaging-it-${runId}-outbox`;
  const consumer = new EventConsumer({ ...kafkaConfig, groupId }, logger);
  const deliveries: Delivery[] = [];

  function publisher(config = kafkaConfig): EventPublisher {
    const created = new EventPublisher(config, logger);
    publishers.push(created);
    return created;
  }

  function relay(relayPublisher: OutboxPublisher, options: { batchSize?: number } = {}): OutboxRelay {
    const created = new OutboxRelay({ db, publisher: relayPublisher, schema, pollIntervalMs: 200, logger, ...options });
    relays.push(created);
    return created;
  }

  async function enqueueCommitted(events: { id: string; key: string; sequence: number }[]): Promise<void> {
    await db.transaction(async (tx) => {
      for (const event of events) {
        await enqueueOutboxEvent(tx, schema, { id: event.id, topic, key: event.key, payload: { sequence: event.sequence } });
      }
    });
  }

  /** The ids still in the outbox, oldest first: the relay deletes a row once Kafka has it. */
  async function unpublishedIds(): Promise<string[]> {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM "${schema}".outbox ORDER BY sequence`);
    return rows.map((row) => row.id);
  }

  const deliveredEventIds = () => deliveries.map((delivery) => delivery.context.headers[EVENT_ID_HEADER]);

  beforeAll(async () => {
    await runMigrations(db, {
      schema,
      migrations: outboxMigrations(schema),
      logger,
    });
    await ensureTopics(kafkaConfig, [topic], logger);
    consumer.on(topic, async (payload, context) => {
      deliveries.push({ payload, context, correlationIdInHandler: currentCorrelationId() });
    });
    await consumer.start();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((each) => each.stop()));
  });

  afterAll(async () => {
    // Every cleanup step runs even if an earlier one fails, so a broken run leaves nothing behind.
    const cleanups = await Promise.allSettled([
      consumer.stop(),
      ...publishers.map((each) => each.disconnect()),
      db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.close()),
    ]);
    cleanups.push(
      ...(await Promise.allSettled([
        deleteConsumerGroups(kafkaConfig, [groupId], logger),
        deleteTopics(kafkaConfig, [topic.name], logger),
      ])),
    );
    const failed = cleanups.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  });

  it('publishes nothing for a transaction that rolled back, and the committed event with its correlation and event ids', async () => {
    const rolledBackId = randomUUID();
    const committedId = randomUUID();
    await expect(
      db.transaction(async (tx) => {
        await enqueueOutboxEvent(tx, schema, { id: rolledBackId, topic, key: 'order-1', payload: { sequence: 1 } });
        throw new Error('the business change failed');
      }),
    ).rejects.toThrow('the business change failed');
    await runWithCorrelationId('outbox-correlation-7', () =>
      db.transaction((tx) => enqueueOutboxEvent(tx, schema, { id: committedId, topic, key: 'order-1', payload: { sequence: 2 } })),
    );
    await relay(publisher()).start();

    await eventually(
      () => deliveries.length,
      (count) => count >= 1,
      30_000,
      'the committed event',
    );
    expect(deliveredEventIds()).toEqual([committedId]);
    expect(deliveries[0].payload).toEqual({ sequence: 2 });
    expect(deliveries[0].context.key).toBe('order-1');
    expect(deliveries[0].context.headers[CORRELATION_ID_HEADER]).toBe('outbox-correlation-7');
    expect(deliveries[0].correlationIdInHandler).toBe('outbox-correlation-7');
    expect(await unpublishedIds()).toEqual([]);
    deliveries.length = 0;
  });

  it('publishes each committed event exactly once with two relays draining the same table', async () => {
    const events = Array.from({ length: 60 }, (_, index) => ({ id: randomUUID(), key: `customer-${index % 4}`, sequence: index }));
    // Small batches, so the two relays really do interleave.
    await relay(publisher(), { batchSize: 5 }).start();
    await relay(publisher(), { batchSize: 5 }).start();

    for (let start = 0; start < events.length; start += 10) await enqueueCommitted(events.slice(start, start + 10));

    await eventually(
      () => deliveries.length,
      (count) => count >= events.length,
      30_000,
      'every event',
    );
    // Time for a duplicate, if there were one, to arrive too.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect([...deliveredEventIds()].sort()).toEqual(events.map((event) => event.id).sort());
    expect(await unpublishedIds()).toEqual([]);
    expect(await metricValue('outbox_backlog', { schema })).toBe(0);
    deliveries.length = 0;
  });

  it('keeps the rows while Kafka is unreachable and publishes them, once, when it is back', async () => {
    const events = [1, 2, 3].map((sequence) => ({ id: randomUUID(), key: 'order-9', sequence }));
    await enqueueCommitted(events);
    // The relay publishes through whichever publisher is current: first one whose brokers refuse
    // every connection, then the real one, as if Kafka had come back at the same address.
    const unreachable = publisher(unreachableKafkaConfig);
    const reachable = publisher();
    let current = unreachable;
    let failedAttempts = 0;
    const switchable: OutboxPublisher = {
      publishEncoded: async (batch: readonly EncodedEvent[]) => {
        try {
          await current.publishEncoded(batch);
        } catch (error) {
          failedAttempts += 1;
          throw error;
        }
      },
    };
    await relay(switchable).start();

    await eventually(
      () => failedAttempts,
      (count) => count >= 1,
      45_000,
      'a failed publish',
    );
    expect(await unpublishedIds()).toEqual(events.map((event) => event.id));
    await eventually(
      () => metricValue('outbox_backlog', { schema }),
      (backlog) => backlog === 3,
      10_000,
      'the backlog gauge',
    );
    expect(deliveries).toEqual([]);

    current = reachable;

    await eventually(
      () => deliveries.length,
      (count) => count >= 3,
      45_000,
      'the events after Kafka returned',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(deliveries.map((delivery) => delivery.payload.sequence)).toEqual([1, 2, 3]);
    expect(deliveredEventIds()).toEqual(events.map((event) => event.id));
    expect(await unpublishedIds()).toEqual([]);
  }, 120_000);
});
