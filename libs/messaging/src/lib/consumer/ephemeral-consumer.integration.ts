import { createLogger } from '@workshop/observability';
import { eventually, jsonTopic, testKafkaConfig, uniqueRunId, type TestEvent } from '../../testing/messaging-test-support';
import { EventPublisher } from '../event-publisher';
import { createKafkaClient } from '../kafka/kafka-client';
import { deleteTopics, ensureTopics } from '../topic-admin';
import { EventConsumer } from './event-consumer';

const runId = uniqueRunId();
const logger = createLogger('messaging-it', 'silent');
const config = testKafkaConfig(`messaging-it-${runId}`);
const topic = jsonTopic(`messaging-it.${runId}.broadcast`);

/** Enough keys that, hashed over the partitions, every partition gets some. */
const KEYS = Array.from({ length: 24 }, (_, index) => `key-${index}`);

async function existingGroupsAndTopics(): Promise<{ groups: string[]; topics: string[] }> {
  const admin = createKafkaClient(config, logger).admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    return { groups: groups.map((group) => group.groupId), topics: await admin.listTopics() };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Ephemeral groups: one per instance, each instance sees every event of every partition from the
 * moment it started, a failing handler costs only that event, and nothing stays behind in Kafka.
 */
describe('an ephemeral EventConsumer against the real broker', () => {
  const publisher = new EventPublisher(config, logger);

  beforeAll(async () => {
    await ensureTopics(config, [topic], logger);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher.disconnect();
    await deleteTopics(config, [topic.name], logger);
  });

  it('gives each instance every new event, drops what fails, and leaves no topic or group behind', async () => {
    await publisher.publish(topic, [{ key: 'key-0', payload: { sequence: -1, note: 'before the instances started' } }]);
    const received = { first: [] as TestEvent[], second: [] as TestEvent[] };
    const first = new EventConsumer({ ...config, groupId: `messaging-it-${runId}-instance-1`, ephemeral: true }, logger).on(
      topic,
      async (event) => {
        // Sequence 0 fails on this instance only; an ephemeral group drops it and goes on.
        if (event.sequence === 0) throw new Error('handler failure');
        received.first.push(event);
      },
    );
    const second = new EventConsumer({ ...config, groupId: `messaging-it-${runId}-instance-2`, ephemeral: true }, logger).on(
      topic,
      async (event) => {
        received.second.push(event);
      },
    );
    try {
      await Promise.all([first.start(), second.start()]);
      expect(first.isRunning && second.isRunning).toBe(true);
      // Each instance owns every partition: a group of one.
      expect(first.assignment[topic.name]).toHaveLength(config.topicPartitions);
      expect(second.assignment[topic.name]).toHaveLength(config.topicPartitions);

      await publisher.publish(
        topic,
        KEYS.map((key, sequence) => ({ key, payload: { sequence } })),
      );

      const everySequence = KEYS.map((_, sequence) => sequence);
      const sequences = (events: TestEvent[]) => events.map((event) => event.sequence).sort((a, b) => a - b);
      await eventually(
        () => sequences(received.second),
        (seen) => seen.length === KEYS.length,
        10_000,
        'every event on the second instance',
      );
      await eventually(
        () => sequences(received.first),
        (seen) => seen.length === KEYS.length - 1,
        10_000,
        'every event but the failed one on the first instance',
      );
      expect(sequences(received.second)).toEqual(everySequence);
      expect(sequences(received.first)).toEqual(everySequence.slice(1));

      const whileRunning = await existingGroupsAndTopics();
      expect(whileRunning.groups).toEqual(expect.arrayContaining([`messaging-it-${runId}-instance-1`, `messaging-it-${runId}-instance-2`]));
      expect(whileRunning.topics.filter((name) => name.startsWith(`messaging-it-${runId}-instance`))).toEqual([]);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }

    const afterStop = await existingGroupsAndTopics();
    expect(afterStop.groups.filter((name) => name.startsWith(`messaging-it-${runId}`))).toEqual([]);
  });

  it('refuses retry delays, which an ephemeral group could never honour', () => {
    expect(
      () => new EventConsumer({ ...config, groupId: `messaging-it-${runId}-bad`, ephemeral: true, retryDelaysMs: [1_000] }, logger),
    ).toThrow(/ephemeral/);
  });
});
