import { randomUUID } from 'node:crypto';
import { loadInfrastructureConfig } from '@workshop/config';
import { DatabaseRouter, runMigrations } from '@workshop/db';
import { CORRELATION_ID_HEADER, createLogger, currentCorrelationId, runWithCorrelationId } from '@workshop/observability';
import { eventually, jsonTopic, metricValue, testKafkaConfig, uniqueRunId, type TestEvent } from '../../testing/messaging-test-support';
import { type EventContext } from '../consumer/event-context';
import { EventConsumer } from '../consumer/event-consumer';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER } from '../event-headers';
import { EventPublisher, type EncodedEvent } from '../event-publisher';
import { deleteConsumerGroups, deleteTopics, ensureTopics } from '../topic-admin';
import { enqueueOutboxEvent, enqueueOutboxEvents } from './outbox-enqueue';
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

  function relay(
    createPublisher: () => OutboxPublisher = () => publisher(),
    options: { batchSize?: number; concurrentBatches?: number } = {},
  ): OutboxRelay {
    const created = new OutboxRelay({ db, createPublisher, schema, pollIntervalMs: 200, logger, ...options });
    relays.push(created);
    return created;
  }

  /**
   * Wraps each producer the relay creates so the test sees its batches: how many are in Kafka's
   * hands at once, and, while `gate` is set, holds every publish until the gate opens.
   */
  function observedPublishers() {
    const observed = { inFlight: 0, mostInFlight: 0, gate: undefined as Promise<void> | undefined };
    const createPublisher = (): OutboxPublisher => {
      const real = publisher();
      return {
        publishEncoded: async (batch: readonly EncodedEvent[]) => {
          observed.inFlight += 1;
          observed.mostInFlight = Math.max(observed.mostInFlight, observed.inFlight);
          try {
            // A short wait of random length, so that batches overlap even when Kafka answers
            // quickly, and a batch claimed later would often reach Kafka first if it were let go.
            await (observed.gate ?? new Promise((resolve) => setTimeout(resolve, Math.random() * 30)));
            await real.publishEncoded(batch);
          } finally {
            observed.inFlight -= 1;
          }
        },
        disconnect: () => real.disconnect(),
      };
    };
    return { observed, createPublisher };
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

  /**
   * Waits until the consumer has received at least `count` events, then, if asked, a while
   * longer: a duplicate or an out-of-order event would arrive after the ones awaited, and an
   * assertion made at once could not see it.
   */
  async function awaitDeliveries(
    count: number,
    what: string,
    { timeoutMs = 30_000, thenWaitMs = 0 }: { timeoutMs?: number; thenWaitMs?: number } = {},
  ): Promise<void> {
    await eventually(
      () => deliveries.length,
      (delivered) => delivered >= count,
      timeoutMs,
      what,
    );
    if (thenWaitMs > 0) await new Promise((resolve) => setTimeout(resolve, thenWaitMs));
  }

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
    deliveries.length = 0;
  });

  afterAll(async () => {
    // Every cleanup step runs even if an earlier one fails, so a broken run leaves nothing behind.
    const cleanups = await Promise.allSettled([
      consumer.stop(),
      ...publishers.map((each) => each.disconnect()),
      db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.close()),
    ]);
    // The consumer created its group's retry tiers (each a topic and a group) and dead-letter topic too.
    const { tiers, deadLetterTopic } = consumer.retryTopics;
    const tierTopics = tiers.map((tier) => tier.topic);
    cleanups.push(
      ...(await Promise.allSettled([
        deleteConsumerGroups(kafkaConfig, [groupId, ...tierTopics], logger),
        deleteTopics(kafkaConfig, [topic.name, ...tierTopics, deadLetterTopic], logger),
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
    await relay().start();

    await awaitDeliveries(1, 'the committed event');
    expect(deliveredEventIds()).toEqual([committedId]);
    expect(deliveries[0].payload).toEqual({ sequence: 2 });
    expect(deliveries[0].context.key).toBe('order-1');
    expect(deliveries[0].context.headers[CORRELATION_ID_HEADER]).toBe('outbox-correlation-7');
    expect(deliveries[0].correlationIdInHandler).toBe('outbox-correlation-7');
    expect(await unpublishedIds()).toEqual([]);
  });

  it('publishes events enqueued in one statement in the order given, each with its own envelope', async () => {
    const events = [3, 1, 2].map((sequence) => ({ id: randomUUID(), key: 'order-5', sequence }));
    await runWithCorrelationId('outbox-correlation-8', () =>
      db.transaction((tx) =>
        enqueueOutboxEvents(
          tx,
          schema,
          events.map((event) => ({
            id: event.id,
            topic,
            key: event.key,
            payload: { sequence: event.sequence },
            type: `test.${event.sequence}`,
          })),
        ),
      ),
    );
    await relay().start();

    await awaitDeliveries(events.length, 'the three events');
    expect(deliveredEventIds()).toEqual(events.map((event) => event.id));
    expect(deliveries.map((delivery) => delivery.payload)).toEqual([{ sequence: 3 }, { sequence: 1 }, { sequence: 2 }]);
    expect(deliveries.map((delivery) => delivery.context.headers[EVENT_TYPE_HEADER])).toEqual(['test.3', 'test.1', 'test.2']);
    expect(deliveries.every((delivery) => delivery.context.headers[CORRELATION_ID_HEADER] === 'outbox-correlation-8')).toBe(true);
    expect(await unpublishedIds()).toEqual([]);
  });

  it('publishes each committed event exactly once with two relays draining the same table', async () => {
    const events = Array.from({ length: 60 }, (_, index) => ({ id: randomUUID(), key: `customer-${index % 4}`, sequence: index }));
    // Small batches, so the two relays really do interleave.
    await relay(undefined, { batchSize: 5 }).start();
    await relay(undefined, { batchSize: 5 }).start();

    for (let start = 0; start < events.length; start += 10) await enqueueCommitted(events.slice(start, start + 10));

    await awaitDeliveries(events.length, 'every event', { thenWaitMs: 1_500 });
    expect([...deliveredEventIds()].sort()).toEqual(events.map((event) => event.id).sort());
    expect(await unpublishedIds()).toEqual([]);
    expect(await metricValue('outbox_backlog', { schema })).toBe(0);
  });

  it('keeps the rows while Kafka is unreachable and publishes them, once, when it is back', async () => {
    const events = [1, 2, 3].map((sequence) => ({ id: randomUUID(), key: 'order-9', sequence }));
    await enqueueCommitted(events);
    // Each producer the relay creates publishes through one of a pair: first one whose brokers
    // refuse every connection, then a real one, as if Kafka had come back at the same address.
    let kafkaIsBack = false;
    let failedAttempts = 0;
    const switchable = (): OutboxPublisher => {
      const unreachable = publisher(unreachableKafkaConfig);
      const reachable = publisher();
      return {
        publishEncoded: async (batch: readonly EncodedEvent[]) => {
          try {
            await (kafkaIsBack ? reachable : unreachable).publishEncoded(batch);
          } catch (error) {
            failedAttempts += 1;
            throw error;
          }
        },
        disconnect: async () => {
          await Promise.all([unreachable.disconnect(), reachable.disconnect()]);
        },
      };
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

    kafkaIsBack = true;

    await awaitDeliveries(3, 'the events after Kafka returned', { timeoutMs: 45_000, thenWaitMs: 1_000 });
    expect(deliveries.map((delivery) => delivery.payload.sequence)).toEqual([1, 2, 3]);
    expect(deliveredEventIds()).toEqual(events.map((event) => event.id));
    expect(await unpublishedIds()).toEqual([]);
  }, 120_000);
  it('publishes a key only up to an older row held elsewhere, even one between the rows it claimed', async () => {
    const events = [1, 2, 3].map((sequence) => ({ id: randomUUID(), key: 'order-gap', sequence }));
    await enqueueCommitted(events);
    // Another transaction holds the middle event, as a claim running at the same moment can leave
    // it (each skipping what the other has just locked): the relay claims events 1 and 3.
    let holding: () => void = () => undefined;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const holder = db.transaction(async (tx) => {
      await tx.query(`SELECT id FROM "${schema}".outbox WHERE id = $1 FOR UPDATE`, [events[1]?.id]);
      holding();
      await released;
    });
    await held;
    try {
      await relay(undefined, { concurrentBatches: 1 }).start();
      await awaitDeliveries(1, 'the first event', { thenWaitMs: 1_000 });
      expect(deliveries.map((delivery) => delivery.payload.sequence)).toEqual([1]);
    } finally {
      // Also when the test fails: the held row would block the schema's removal afterwards.
      release();
      await holder;
    }
    await awaitDeliveries(3, 'the events after the middle one was let go');
    expect(deliveries.map((delivery) => delivery.payload.sequence)).toEqual([1, 2, 3]);
  });

  it('keeps each key in order with several batches in flight in one relay, and in two relays at once', async () => {
    const keys = Array.from({ length: 12 }, (_, index) => `account-${index}`);
    const rounds = 25;
    const first = observedPublishers();
    const second = observedPublishers();
    // Batches of 4 over 12 keys, 3 loops per relay: every loop's next batch holds keys whose
    // older events are in flight in a sibling loop's batch or the other relay's.
    await relay(first.createPublisher, { batchSize: 4, concurrentBatches: 3 }).start();
    await relay(second.createPublisher, { batchSize: 4, concurrentBatches: 3 }).start();

    const events: { id: string; key: string; sequence: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      // Every key in every transaction, in an order that changes from round to round.
      const batch = keys.map((key, index) => ({ id: randomUUID(), key: keys[(index * 5 + round) % keys.length] ?? key, sequence: round }));
      events.push(...batch);
      await enqueueCommitted(batch);
    }

    await awaitDeliveries(events.length, 'every event', { timeoutMs: 60_000, thenWaitMs: 1_500 });
    expect([...deliveredEventIds()].sort()).toEqual(events.map((event) => event.id).sort());
    for (const key of keys) {
      expect(deliveries.filter((delivery) => delivery.context.key === key).map((delivery) => delivery.payload.sequence)).toEqual(
        Array.from({ length: rounds }, (_, round) => round),
      );
    }
    // The loops did run side by side, or this test would prove nothing about them.
    expect(first.observed.mostInFlight).toBeGreaterThanOrEqual(2);
    expect(first.observed.mostInFlight).toBeLessThanOrEqual(3);
    expect(await unpublishedIds()).toEqual([]);
  }, 90_000);

  /** A note of `bytes` characters, to make an event as large as a test needs against the default 1 MB `max.message.bytes`. */
  const noteOf = (bytes: number) => 'x'.repeat(bytes);

  it('publishes a batch the broker refuses as too large in halves, every event once and each key in order', async () => {
    // Four events of 300 KB on one key, one partition: one record batch of 1.2 MB, over the 1 MB limit.
    const events = [1, 2, 3, 4].map((sequence) => ({ id: randomUUID(), key: 'upload-1', sequence }));
    await db.transaction((tx) =>
      enqueueOutboxEvents(
        tx,
        schema,
        events.map((event) => ({ id: event.id, topic, key: event.key, payload: { sequence: event.sequence, note: noteOf(300_000) } })),
      ),
    );
    const sentBatchSizes: number[] = [];
    const counting = (): OutboxPublisher => {
      const real = publisher();
      return {
        publishEncoded: async (batch: readonly EncodedEvent[]) => {
          sentBatchSizes.push(batch.length);
          await real.publishEncoded(batch);
        },
        disconnect: () => real.disconnect(),
      };
    };
    await relay(counting).start();

    await awaitDeliveries(events.length, 'the four large events', { thenWaitMs: 1_000 });
    expect(deliveries.map((delivery) => delivery.payload.sequence)).toEqual([1, 2, 3, 4]);
    expect(deliveredEventIds()).toEqual(events.map((event) => event.id));
    // The whole batch first (refused), then its halves of 600 KB (accepted).
    expect(sentBatchSizes).toEqual([4, 2, 2]);
    expect(await unpublishedIds()).toEqual([]);
  });

  it('moves an event too large even alone to outbox_rejected, and publishes the rest of its batch and of its key', async () => {
    const before = await metricValue('outbox_rejected_total', { topic: topic.name, reason: 'too_large' });
    const oversized = { id: randomUUID(), key: 'upload-2', sequence: 2 };
    const events = [
      { id: randomUUID(), key: 'upload-2', sequence: 1 },
      oversized,
      { id: randomUUID(), key: 'upload-2', sequence: 3 },
      { id: randomUUID(), key: 'upload-3', sequence: 4 },
    ];
    await db.transaction((tx) =>
      enqueueOutboxEvents(
        tx,
        schema,
        events.map((event) => ({
          id: event.id,
          topic,
          key: event.key,
          payload: { sequence: event.sequence, note: event === oversized ? noteOf(1_200_000) : undefined },
        })),
      ),
    );
    await relay().start();

    await eventually(
      () => deliveries.length,
      (count) => new Set(deliveries.map((delivery) => delivery.payload.sequence)).size >= 3 && count >= 3,
      30_000,
      'the three events Kafka accepts',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const sequencesOfKey = (key: string) =>
      deliveries.filter((delivery) => delivery.context.key === key).map((delivery) => delivery.payload.sequence);
    // The refused calls wrote nothing of upload-2's partition: its events arrive once, without the refused one.
    expect(sequencesOfKey('upload-2')).toEqual([1, 3]);
    // upload-3 may sit on another partition, which the first, refused call may have written: then
    // it arrives twice (at least once; an inbox makes the second a no-op).
    expect(new Set(sequencesOfKey('upload-3'))).toEqual(new Set([4]));
    expect(await unpublishedIds()).toEqual([]);
    const { rows } = await db.query<{
      id: string;
      topic: string;
      message_key: string;
      payload_bytes: number;
      event_id: string;
      reason: string;
    }>(
      `SELECT id, topic, message_key, length(payload) AS payload_bytes, headers->>'${EVENT_ID_HEADER}' AS event_id, reason
         FROM "${schema}".outbox_rejected`,
    );
    expect(rows).toEqual([
      {
        id: oversized.id,
        topic: topic.name,
        message_key: 'upload-2',
        payload_bytes: expect.any(Number),
        event_id: oversized.id,
        reason: 'too_large',
      },
    ]);
    expect(rows[0]?.payload_bytes).toBeGreaterThan(1_200_000);
    expect(await metricValue('outbox_rejected_total', { topic: topic.name, reason: 'too_large' })).toBe(before + 1);
    await db.query(`DELETE FROM "${schema}".outbox_rejected`);
  });

  it('stops only once every batch in flight is published and committed', async () => {
    // Enough keys that each of the three loops claims a batch.
    const events = Array.from({ length: 30 }, (_, index) => ({ id: randomUUID(), key: `basket-${index}`, sequence: index }));
    const { observed, createPublisher } = observedPublishers();
    let openGate: () => void = () => undefined;
    observed.gate = new Promise<void>((resolve) => (openGate = resolve));
    const stopping = relay(createPublisher, { concurrentBatches: 3 });
    await enqueueCommitted(events);
    await stopping.start();
    await eventually(
      () => observed.inFlight,
      (count) => count === 3,
      10_000,
      'three batches held at the publish',
    );

    let stopped = false;
    const stop = stopping.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stopped).toBe(false);
    openGate();
    await stop;

    // Every batch finished: published, deleted, committed, and nothing claimed after the stop.
    expect(observed.inFlight).toBe(0);
    expect(await unpublishedIds()).toEqual([]);
    await awaitDeliveries(events.length, 'the events of the batches in flight');
    expect([...deliveredEventIds()].sort()).toEqual(events.map((event) => event.id).sort());
  });
});
