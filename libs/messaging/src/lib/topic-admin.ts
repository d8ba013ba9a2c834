import { KafkaJSDeleteGroupsError, type Admin } from 'kafkajs';
import { type TopicContract } from '@workshop/contracts';
import { createLogger, type Logger } from '@workshop/observability';
import { backoffDelayMs, sleepUnlessAborted, type BackoffPolicy } from './backoff';
import { createKafkaClient } from './kafka/kafka-client';
import { DEFAULT_REPLICATION_FACTOR, type KafkaConfig } from './kafka/kafka-config';

/** How long `ensureTopics` waits for every partition of a fresh topic to elect a leader. */
const LEADER_ELECTION_TIMEOUT_MS = 30_000;
const LEADER_POLL_INTERVAL_MS = 200;

/**
 * Creates the topics that do not exist yet and waits until every partition of every listed topic
 * has a leader, so the first publish right after start-up does not fail. Topics that already
 * exist are left exactly as they are (their partition count is never changed: that would move
 * keys to other partitions and break per-key ordering). Safe to call from several instances at
 * once: losing a creation race to another instance is not an error.
 *
 * The brokers run with auto-create off, so this is the only way topics come to exist, with the
 * partition count chosen here rather than a broker default.
 */
export async function ensureTopics(
  config: KafkaConfig,
  topics: readonly TopicContract<unknown>[],
  logger: Logger = createLogger('messaging'),
): Promise<void> {
  const names = [...new Set(topics.map((topic) => topic.name))];
  if (names.length === 0) return;
  await withAdmin(config, logger, async (admin) => {
    const missing = await missingTopics(admin, names);
    if (missing.length > 0) {
      await createTopics(admin, config, missing);
      logger.info({ topics: missing, partitions: config.topicPartitions }, 'created Kafka topics');
    }
    await waitForLeaders(admin, names);
  });
}

/** Retries of `ensureTopicsInBackground`: the consumer's start-up policy, 1 s growing to 30 s. */
const ENSURE_RETRY: BackoffPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * `ensureTopics` for a producer that must start without Kafka: it tries until the topics exist,
 * with backoff, and returns at once. A service that called this takes requests while the broker
 * is down (its events wait in the outbox, whose relay retries until the topics exist). Call
 * `stop()` on shutdown.
 */
export function ensureTopicsInBackground(
  config: KafkaConfig,
  topics: readonly TopicContract<unknown>[],
  logger: Logger = createLogger('messaging'),
): { stop(): void } {
  const shutdown = new AbortController();
  const attemptUntilDone = async (): Promise<void> => {
    for (let attempt = 1; !shutdown.signal.aborted; attempt++) {
      try {
        await ensureTopics(config, topics, logger);
        return;
      } catch (error) {
        const retryInMs = backoffDelayMs(attempt, ENSURE_RETRY);
        logger.warn({ err: error, retryInMs }, 'cannot create the Kafka topics yet (Kafka unreachable?); trying again');
        await sleepUnlessAborted(retryInMs, shutdown.signal);
      }
    }
  };
  void attemptUntilDone();
  return { stop: () => shutdown.abort() };
}

/**
 * Deletes topics, ignoring the ones that do not exist. Meant for tests and tooling that create
 * throwaway topics; services never delete their topics.
 */
export async function deleteTopics(
  config: KafkaConfig,
  topicNames: readonly string[],
  logger: Logger = createLogger('messaging'),
): Promise<void> {
  await withAdmin(config, logger, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const toDelete = topicNames.filter((name) => existing.has(name));
    if (toDelete.length > 0) await admin.deleteTopics({ topics: toDelete });
  });
}

/**
 * Deletes consumer groups (their committed offsets), ignoring the ones that do not exist. For
 * tests that use a fresh group per run.
 */
export async function deleteConsumerGroups(
  config: KafkaConfig,
  groupIds: readonly string[],
  logger: Logger = createLogger('messaging'),
): Promise<void> {
  await withAdmin(config, logger, async (admin) => {
    const { groups } = await admin.listGroups();
    const existing = new Set(groups.map((group) => group.groupId));
    const toDelete = [...new Set(groupIds)].filter((groupId) => existing.has(groupId));
    if (toDelete.length === 0) return;
    try {
      await admin.deleteGroups(toDelete);
    } catch (error) {
      if (!(error instanceof KafkaJSDeleteGroupsError)) throw error;
      // A group can vanish between listing and deleting (the broker expires empty groups).
      const failures = error.groups.filter((group) => group.error?.type !== 'GROUP_ID_NOT_FOUND');
      if (failures.length > 0) {
        const details = failures.map((group) => `${group.groupId}: ${group.error?.type ?? `error code ${group.errorCode}`}`);
        throw new Error(`cannot delete consumer groups (${details.join(', ')})`, { cause: error });
      }
    }
  });
}

/** How many partitions each named topic has; topics that do not exist are absent from the map. */
export async function describeTopicPartitions(
  config: KafkaConfig,
  topicNames: readonly string[],
  logger: Logger = createLogger('messaging'),
): Promise<Map<string, number>> {
  return withAdmin(config, logger, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const present = topicNames.filter((name) => existing.has(name));
    if (present.length === 0) return new Map<string, number>();
    const metadata = await admin.fetchTopicMetadata({ topics: present });
    return new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
  });
}

/** Where the next event of one partition will be written: its end (high watermark). */
export interface PartitionEnd {
  topic: string;
  partition: number;
  offset: string;
}

/** The end of every partition of the topics, now: a consumer that starts there sees only what comes next. */
export async function partitionEnds(
  config: KafkaConfig,
  topicNames: readonly string[],
  logger: Logger = createLogger('messaging'),
): Promise<PartitionEnd[]> {
  return withAdmin(config, logger, async (admin) => {
    const ends = await Promise.all(
      topicNames.map(async (topic) =>
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ topic, partition, offset: high })),
      ),
    );
    return ends.flat();
  });
}

async function withAdmin<T>(config: KafkaConfig, logger: Logger, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafkaClient(config, logger).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

async function missingTopics(admin: Admin, names: readonly string[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return names.filter((name) => !existing.has(name));
}

async function createTopics(admin: Admin, config: KafkaConfig, names: readonly string[]): Promise<void> {
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: names.map((topic) => ({
        topic,
        numPartitions: config.topicPartitions,
        replicationFactor: config.replicationFactor ?? DEFAULT_REPLICATION_FACTOR,
      })),
    });
  } catch (error) {
    // Another instance may have created some of them between our listing and our request; that
    // is success. Anything still missing afterwards is a real failure.
    const stillMissing = await missingTopics(admin, names);
    if (stillMissing.length > 0) throw error;
  }
}

async function waitForLeaders(admin: Admin, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + LEADER_ELECTION_TIMEOUT_MS;
  for (;;) {
    const metadata = await admin.fetchTopicMetadata({ topics: [...names] });
    const leaderless = metadata.topics.flatMap((topic) =>
      topic.partitions.filter((partition) => partition.leader < 0).map((partition) => `${topic.name}/${partition.partitionId}`),
    );
    if (leaderless.length === 0 && (await everyPartitionAnswers(admin, names))) return;
    if (Date.now() > deadline) {
      throw new Error(`Kafka partitions still have no leader after ${LEADER_ELECTION_TIMEOUT_MS} ms: ${leaderless.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_INTERVAL_MS));
  }
}

/**
 * A leader in the metadata is not yet a leader that serves: for a moment after creation a broker
 * still answers "not the leader" (or "does not host this topic-partition"). Asking each topic's
 * offsets proves every partition is really served, so the first consumer or publisher does not
 * trip over the race.
 */
async function everyPartitionAnswers(admin: Admin, names: readonly string[]): Promise<boolean> {
  try {
    for (const name of names) await admin.fetchTopicOffsets(name);
    return true;
  } catch {
    return false;
  }
}
