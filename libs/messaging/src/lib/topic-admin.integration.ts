import { createLogger } from '@workshop/observability';
import { eventually, jsonTopic, testKafkaConfig, uniqueRunId } from '../testing/messaging-test-support';
import { EventPublisher } from './event-publisher';
import { deleteTopics, describeTopicPartitions, ensureTopics } from './topic-admin';

const runId = uniqueRunId();
const logger = createLogger('messaging-it', 'silent');
const config = testKafkaConfig(`messaging-it-${runId}`);
const topicName = (purpose: string) => `messaging-it.${runId}.${purpose}`;

describe('ensureTopics against the real broker', () => {
  const created: string[] = [];
  const topic = (purpose: string) => {
    const contract = jsonTopic(topicName(purpose));
    created.push(contract.name);
    return contract;
  };

  afterAll(async () => {
    await deleteTopics(config, created, logger);
    await eventually(
      () => describeTopicPartitions(config, created, logger),
      (partitions) => partitions.size === 0,
      30_000,
      'topics deleted',
    );
  });

  it('creates missing topics with the configured partition count, and a second call changes nothing', async () => {
    const topics = [topic('first'), topic('second')];

    await ensureTopics(config, topics, logger);
    await ensureTopics(config, topics, logger);

    const partitions = await describeTopicPartitions(
      config,
      topics.map((each) => each.name),
      logger,
    );
    expect(partitions).toEqual(new Map(topics.map((each) => [each.name, config.topicPartitions])));
  });

  it('leaves an existing topic as it is, even when asked for a different partition count', async () => {
    const existing = topic('existing');
    await ensureTopics(config, [existing], logger);

    await ensureTopics({ ...config, topicPartitions: config.topicPartitions + 2 }, [existing], logger);

    expect(await describeTopicPartitions(config, [existing.name], logger)).toEqual(new Map([[existing.name, config.topicPartitions]]));
  });

  it('lets several instances ensure the same new topics at once', async () => {
    const topics = [topic('race-a'), topic('race-b')];

    await Promise.all([ensureTopics(config, topics, logger), ensureTopics(config, topics, logger), ensureTopics(config, topics, logger)]);

    const partitions = await describeTopicPartitions(
      config,
      topics.map((each) => each.name),
      logger,
    );
    expect([...partitions.values()]).toEqual([config.topicPartitions, config.topicPartitions]);
  });

  it('leaves a fresh topic ready to take a publish at once (every partition has a leader)', async () => {
    const fresh = topic('ready');
    await ensureTopics(config, [fresh], logger);
    const publisher = new EventPublisher(config, logger);
    try {
      const events = Array.from({ length: 24 }, (_, index) => ({ key: `key-${index}`, payload: { sequence: index } }));
      await expect(publisher.publish(fresh, events)).resolves.toBeUndefined();
    } finally {
      await publisher.disconnect();
    }
  });
});
