import { runMigrations } from '@workshop/db';
import { createLogger } from '@workshop/observability';
import { effectsTableSql, testDatabase } from '../../testing/inbox-effects';
import { eventually, jsonTopic, metricValue, testKafkaConfig, uniqueRunId, type TestEvent } from '../../testing/messaging-test-support';
import { listDeadLetters } from '../dead-letters/dead-letters';
import { type EventContext } from '../consumer/event-context';
import { EventConsumer } from '../consumer/event-consumer';
import { HandlesEventBatch } from '../consumer/event-handler.decorator';
import { UnprocessableEventError } from '../consumer/unprocessable-event.error';
import { EVENT_ID_HEADER } from '../event-headers';
import { EventPublisher } from '../event-publisher';
import { deleteConsumerGroups, deleteTopics, ensureTopics } from '../topic-admin';
import { Inbox } from './inbox';
import { inboxMigration } from './inbox-migration';

const runId = uniqueRunId();
const logger = createLogger('messaging-it', 'silent');
const kafkaConfig = testKafkaConfig(`messaging-it-${runId}`);
const schema = `batch_inbox_${runId}`;

interface EffectRow {
  event_id: string;
  message_key: string;
  sequence: number;
}

/**
 * Batch handlers (`@HandlesEventBatch` + `Inbox.processBatchOnce`) on the real Kafka and
 * Postgres: a partition's fetched events are applied in one transaction, exactly once, in order,
 * and a poison event is dead-lettered without holding back the rest of its batch.
 */
describe('batch handlers with Inbox.processBatchOnce', () => {
  const db = testDatabase(`messaging-it-${runId}`, logger);
  const inbox = new Inbox(db, schema);
  const publisher = new EventPublisher(kafkaConfig, logger);
  const consumers: EventConsumer[] = [];
  const topics: string[] = [];
  const groups: string[] = [];

  /**
   * A consumer in a fresh group whose batch handler writes one `effects` row per new event and
   * records the size of each batch it is given. `poison` makes the effect of one sequence fail.
   */
  async function startedBatchConsumer(purpose: string, options: { poison?: number } = {}) {
    const topic = jsonTopic(`messaging-it.${runId}.${purpose}`);
    const groupId = `messaging-it-${runId}-${purpose}`;
    const consumer = new EventConsumer({ ...kafkaConfig, groupId, retryDelaysMs: [300] }, logger);
    const { tiers, deadLetterTopic } = consumer.retryTopics;
    topics.push(topic.name, ...tiers.map((tier) => tier.topic), deadLetterTopic);
    groups.push(groupId, ...tiers.map((tier) => tier.topic));
    consumers.push(consumer);
    const batchSizes: number[] = [];

    class EffectBatchApplier {
      @HandlesEventBatch(topic)
      async apply(events: readonly TestEvent[], contexts: readonly EventContext[]): Promise<void> {
        batchSizes.push(events.length);
        await inbox.processBatchOnce(contexts, async (tx, newEvents) => {
          for (const index of newEvents) {
            const event = events[index];
            const context = contexts[index];
            if (event === undefined || context === undefined) throw new Error(`no event at position ${index}`);
            if (event.sequence === options.poison) throw new UnprocessableEventError(`sequence ${event.sequence} is poison`);
            await tx.query(`INSERT INTO "${schema}".effects (event_id, message_key, sequence) VALUES ($1, $2, $3)`, [
              context.eventId,
              context.key,
              event.sequence,
            ]);
          }
        });
      }
    }

    await ensureTopics(kafkaConfig, [topic], logger);
    return { topic, groupId, batchSizes, start: () => consumer.register(new EffectBatchApplier()).start() };
  }

  const eventsOf = (purpose: string, key: string, sequences: readonly number[]) =>
    sequences.map((sequence) => ({ key, payload: { sequence }, headers: { [EVENT_ID_HEADER]: `${purpose}:${key}:${sequence}` } }));

  const effects = async (purpose: string): Promise<EffectRow[]> =>
    (
      await db.query<EffectRow>(
        `SELECT event_id, message_key, sequence FROM "${schema}".effects WHERE event_id LIKE $1 ORDER BY applied_order`,
        [`${purpose}:%`],
      )
    ).rows;

  const range = (count: number) => Array.from({ length: count }, (_, index) => index);

  beforeAll(async () => {
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await runMigrations(db, {
      schema,
      migrations: [inboxMigration(schema), { id: 'test-effects', sql: effectsTableSql(schema) }],
      logger,
    });
    await publisher.connect();
  });

  afterAll(async () => {
    const cleanups: PromiseSettledResult<unknown>[] = await Promise.allSettled([
      ...consumers.map((consumer) => consumer.stop()),
      publisher.disconnect(),
    ]);
    cleanups.push(
      ...(await Promise.allSettled([
        db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => db.close()),
        deleteConsumerGroups(kafkaConfig, groups, logger).finally(() => deleteTopics(kafkaConfig, topics, logger)),
      ])),
    );
    const failed = cleanups.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  });

  it('applies a batch delivered twice once, including copies within one batch', async () => {
    const consumer = await startedBatchConsumer('twice');
    const batch = eventsOf('twice', 'user-1', range(10));
    // Published before the consumer starts: one key, one partition, so one fetch holds all 20,
    // the second copy of each event in the same batch as the first.
    await publisher.publish(consumer.topic, [...batch, ...batch]);
    await consumer.start();
    await eventually(
      async () => (await effects('twice')).length,
      (count) => count === 10,
      30_000,
      'the first copies applied',
    );
    // The whole batch once more, in a later fetch: every event already recorded.
    await publisher.publish(consumer.topic, batch);
    await eventually(
      () => metricValue('inbox_duplicates_total', { group: consumer.groupId, topic: consumer.topic.name }),
      (duplicates) => duplicates === 20,
      30_000,
      'both duplicate copies recognised',
    );

    expect((await effects('twice')).map((row) => row.sequence)).toEqual(range(10));
    expect(Math.max(...consumer.batchSizes)).toBeGreaterThan(1);
    expect(consumer.batchSizes.reduce((sum, size) => sum + size, 0)).toBe(30);
  });

  it('dead-letters a poison event of a batch and applies the others once, in order', async () => {
    const consumer = await startedBatchConsumer('poison', { poison: 3 });
    await publisher.publish(consumer.topic, eventsOf('poison', 'user-1', range(8)));
    await consumer.start();

    const letters = await eventually(
      () => listDeadLetters(kafkaConfig, consumer.groupId, logger),
      (found) => found.length === 1,
      30_000,
      'the poison event dead-lettered',
    );
    await eventually(
      async () => (await effects('poison')).length,
      (count) => count === 7,
      30_000,
      'the other events applied',
    );

    expect(letters.map((letter) => [letter.reason, letter.originalOffset, letter.error])).toEqual([
      ['unprocessable', '3', 'sequence 3 is poison'],
    ]);
    // The failed batch transaction left nothing behind: each good event has exactly one effect.
    expect((await effects('poison')).map((row) => row.sequence)).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(await metricValue('kafka_batch_fallbacks_total', { group: consumer.groupId, topic: consumer.topic.name })).toBe(1);
    // The batch of 8, then its events one at a time.
    expect(consumer.batchSizes).toEqual([8, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it("keeps each key's events in order across batches and partitions", async () => {
    const consumer = await startedBatchConsumer('ordering');
    const keys = ['user-a', 'user-b', 'user-c', 'user-d', 'user-e', 'user-f'];
    const perKey = 60;
    // Interleaved, published in several calls: some events arrive before the consumer starts
    // (large batches), some after (smaller ones).
    for (const chunk of range(3)) {
      const sequences = range(perKey / 3).map((index) => chunk * (perKey / 3) + index);
      await publisher.publish(
        consumer.topic,
        sequences.flatMap((sequence) => keys.flatMap((key) => eventsOf('ordering', key, [sequence]))),
      );
      if (chunk === 0) await consumer.start();
    }

    const rows = await eventually(
      () => effects('ordering'),
      (found) => found.length === keys.length * perKey,
      60_000,
      'every event applied',
    );
    for (const key of keys) {
      expect(rows.filter((row) => row.message_key === key).map((row) => row.sequence)).toEqual(range(perKey));
    }
    expect(Math.max(...consumer.batchSizes)).toBeGreaterThan(1);
  });
});
