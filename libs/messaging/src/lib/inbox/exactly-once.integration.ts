import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { processEnvironment } from '@workshop/config';
import { runMigrations } from '@workshop/db';
import { createLogger } from '@workshop/observability';
import { effectConsumer, effectsTableSql, testDatabase } from '../../testing/inbox-effects';
import { eventually, jsonTopic, metricValue, testKafkaConfig, uniqueRunId } from '../../testing/messaging-test-support';
import { type EventConsumer } from '../consumer/event-consumer';
import { retryTopology } from '../consumer/retry-topics';
import { EVENT_ID_HEADER } from '../event-headers';
import { EventPublisher } from '../event-publisher';
import { enqueueOutboxEvent } from '../outbox/outbox-enqueue';
import { outboxMigrations } from '../outbox/outbox-migration';
import { OutboxRelay } from '../outbox/outbox-relay';
import { createKafkaClient } from '../kafka/kafka-client';
import { deleteConsumerGroups, deleteTopics, ensureTopics } from '../topic-admin';
import { inboxMigration } from './inbox-migration';

const runId = uniqueRunId();
const logger = createLogger('messaging-it', 'silent');
const kafkaConfig = testKafkaConfig(`messaging-it-${runId}`);
const schema = `exactly_once_${runId}`;
const WORKSPACE_ROOT = join(__dirname, '../../../../..');

interface EffectRow {
  event_id: string;
  message_key: string;
  sequence: number;
}

/**
 * Exactly-once effects over at-least-once delivery, on the real Kafka and Postgres: duplicates,
 * a consumer process killed mid-batch, and two relays with two consumers at once.
 */
describe('inbox and outbox: effects happen exactly once', () => {
  const db = testDatabase(`messaging-it-${runId}`, logger);
  const publisher = new EventPublisher(kafkaConfig, logger);
  const consumers: EventConsumer[] = [];
  const relays: OutboxRelay[] = [];
  const children: ChildProcess[] = [];
  const topics: string[] = [];
  const groups: string[] = [];

  function topicFor(purpose: string) {
    const topic = jsonTopic(`messaging-it.${runId}.${purpose}`);
    topics.push(topic.name);
    return topic;
  }

  function groupFor(purpose: string): string {
    const groupId = `messaging-it-${runId}-${purpose}`;
    const { tiers, deadLetterTopic } = retryTopology(groupId);
    groups.push(groupId, ...tiers.map((tier) => tier.topic));
    topics.push(...tiers.map((tier) => tier.topic), deadLetterTopic);
    return groupId;
  }

  function startedConsumer(topic: ReturnType<typeof jsonTopic>, groupId: string): Promise<EventConsumer> {
    const consumer = effectConsumer({ db, schema, topic, groupId, logger });
    consumers.push(consumer);
    return consumer.start().then(() => consumer);
  }

  async function messagesIn(topicName: string): Promise<number> {
    const admin = createKafkaClient(kafkaConfig, logger).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topicName);
      return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  const effects = async (purpose: string): Promise<EffectRow[]> =>
    (
      await db.query<EffectRow>(
        `SELECT event_id, message_key, sequence FROM "${schema}".effects WHERE event_id LIKE $1 ORDER BY applied_order`,
        [`${purpose}:%`],
      )
    ).rows;

  beforeAll(async () => {
    await db.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await runMigrations(db, {
      schema,
      migrations: [...outboxMigrations(schema), inboxMigration(schema), { id: 'test-effects', sql: effectsTableSql(schema) }],
      logger,
    });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    const cleanups: PromiseSettledResult<unknown>[] = await Promise.allSettled([
      ...relays.map((relay) => relay.stop()),
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

  it('applies an event delivered twice only once', async () => {
    const topic = topicFor('duplicate');
    const groupId = groupFor('duplicate');
    await ensureTopics(kafkaConfig, [topic], logger);
    await startedConsumer(topic, groupId);
    const eventId = `duplicate:${randomUUID()}`;
    const event = { key: 'user-1', payload: { sequence: 1 }, headers: { [EVENT_ID_HEADER]: eventId } };

    await publisher.publish(topic, [event]);
    await publisher.publish(topic, [
      event,
      { ...event, payload: { sequence: 2 }, headers: { [EVENT_ID_HEADER]: `duplicate:${randomUUID()}` } },
    ]);

    await eventually(
      () => metricValue('inbox_duplicates_total', { group: groupId, topic: topic.name }),
      (duplicates) => duplicates === 1,
      30_000,
      'the duplicate to be recognised',
    );
    await eventually(
      () => effects('duplicate'),
      (rows) => rows.length === 2,
      30_000,
      'both distinct events applied',
    );
    expect((await effects('duplicate')).map((row) => row.sequence)).toEqual([1, 2]);
  });

  it('applies every event once when the consumer process is killed mid-batch and another takes over', async () => {
    const topic = topicFor('killed');
    const groupId = groupFor('killed');
    await ensureTopics(kafkaConfig, [topic], logger);
    const total = 200;
    // One key: one partition, one batch; the child handles ~65 events a second.
    await publisher.publish(
      topic,
      Array.from({ length: total }, (_, index) => ({
        key: 'user-1',
        payload: { sequence: index },
        headers: { [EVENT_ID_HEADER]: `killed:${index}` },
      })),
    );
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '../../testing/effect-consumer.process.ts'), schema, topic.name, groupId],
      {
        cwd: WORKSPACE_ROOT,
        env: { ...processEnvironment(), SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json') },
        stdio: 'ignore',
      },
    );
    children.push(child);
    await eventually(
      async () => (await effects('killed')).length,
      (count) => count >= 30,
      60_000,
      'the child to apply some events',
    );
    child.kill('SIGKILL');
    await once(child, 'exit');
    const appliedByChild = (await effects('killed')).length;
    expect(appliedByChild).toBeLessThan(total);

    await startedConsumer(topic, groupId);
    await eventually(
      async () => (await effects('killed')).length,
      (count) => count >= total,
      90_000,
      'every event applied',
    );
    // Offsets of the killed process's last events were never committed: they came back, and the
    // inbox turned them away.
    expect(await metricValue('inbox_duplicates_total', { group: groupId, topic: topic.name })).toBeGreaterThan(0);
    const rows = await effects('killed');
    expect(rows).toHaveLength(total);
    expect(rows.map((row) => row.sequence)).toEqual(Array.from({ length: total }, (_, index) => index));
  }, 180_000);

  it('keeps each key in order and publishes nothing twice with two relays and two consumers', async () => {
    const topic = topicFor('two-by-two');
    const groupId = groupFor('two-by-two');
    await ensureTopics(kafkaConfig, [topic], logger);
    await Promise.all([startedConsumer(topic, groupId), startedConsumer(topic, groupId)]);
    for (let index = 0; index < 2; index++) {
      const relay = new OutboxRelay({
        db,
        createPublisher: () => new EventPublisher(kafkaConfig, logger),
        schema,
        batchSize: 7,
        pollIntervalMs: 100,
        logger,
      });
      relays.push(relay);
      await relay.start();
    }
    const keys = Array.from({ length: 8 }, (_, index) => `customer-${index}`);
    const rounds = 30;
    // One transaction per round, every key in each, committed while the relays drain.
    for (let round = 0; round < rounds; round++) {
      await db.transaction(async (tx) => {
        for (const key of keys) await enqueueOutboxEvent(tx, schema, { id: randomUUID(), topic, key, payload: { sequence: round } });
      });
    }
    const total = keys.length * rounds;

    const rows = await eventually(
      async () =>
        (
          await db.query<EffectRow>(
            `SELECT event_id, message_key, sequence FROM "${schema}".effects WHERE message_key LIKE 'customer-%' ORDER BY applied_order`,
          )
        ).rows,
      (found) => found.length >= total,
      90_000,
      'every event applied',
    );
    expect(rows).toHaveLength(total);
    for (const key of keys) {
      expect(rows.filter((row) => row.message_key === key).map((row) => row.sequence)).toEqual(
        Array.from({ length: rounds }, (_, round) => round),
      );
    }
    // The topic holds exactly one message per event: no relay published a row twice.
    expect(await messagesIn(topic.name)).toBe(total);
  }, 150_000);
});
