import { type Admin, type KafkaMessage } from 'kafkajs';
import { createLogger, type Logger } from '@workshop/observability';
import { retryTopology } from '../consumer/retry-topics';
import {
  ATTEMPTS_HEADER,
  DEAD_LETTER_REASON_HEADER,
  decodeHeaders,
  ERROR_HEADER,
  EVENT_ID_HEADER,
  ORIGINAL_OFFSET_HEADER,
  ORIGINAL_PARTITION_HEADER,
  ORIGINAL_TOPIC_HEADER,
  RETRY_NOT_BEFORE_HEADER,
} from '../event-headers';
import { EventPublisher } from '../event-publisher';
import { createKafkaClient } from '../kafka/kafka-client';
import { type KafkaConfig } from '../kafka/kafka-config';
import { deleteConsumerGroups } from '../topic-admin';

/** One event in a group's dead-letter topic, as an operator reads it. */
export interface DeadLetter {
  /** Where it sits in the dead-letter topic. */
  partition: number;
  offset: string;
  key: string | null;
  eventId: string | undefined;
  reason: string | undefined;
  error: string | undefined;
  attempts: number;
  originalTopic: string | undefined;
  originalPartition: string | undefined;
  originalOffset: string | undefined;
  deadLetteredAt: Date;
}

/** Header stamped on a replayed event: when it left the dead-letter topic. */
export const REPLAYED_AT_HEADER = 'x-replayed-at';

/** Every event in `groupId`'s dead-letter topic, oldest first per partition. Reads without consuming. */
export async function listDeadLetters(
  config: KafkaConfig,
  groupId: string,
  logger: Logger = createLogger('messaging'),
): Promise<DeadLetter[]> {
  const { deadLetterTopic } = retryTopology(groupId);
  // A throwaway group: listing must not move the replay position.
  const readerGroup = `${groupId}.dlq-reader.${Date.now()}`;
  const letters: DeadLetter[] = [];
  try {
    await readUntilEnd(config, deadLetterTopic, readerGroup, logger, async (partition, message) => {
      letters.push(toDeadLetter(partition, message));
    });
  } finally {
    await deleteConsumerGroups(config, [readerGroup], logger);
  }
  return letters;
}

/**
 * Sends the dead letters not replayed before back through `groupId`'s first retry topic, due at
 * once: only that group sees them again (other groups of the topic handled them fine), with
 * their headers, key and bytes intact. Meant for after the cause is fixed (a handler bug, a
 * missing row). The position is a consumer group of its own (`<group>.dlq-replay`), so running
 * it twice replays each dead letter once. Returns how many it replayed.
 */
export async function replayDeadLetters(config: KafkaConfig, groupId: string, logger: Logger = createLogger('messaging')): Promise<number> {
  const { deadLetterTopic } = retryTopology(groupId);
  const firstTier = await firstRetryTopic(config, groupId, logger);
  if (firstTier === undefined) throw new Error(`consumer group ${groupId} has no retry topics to replay into`);
  const publisher = new EventPublisher(config, logger);
  let replayed = 0;
  try {
    await readUntilEnd(config, deadLetterTopic, `${groupId}.dlq-replay`, logger, async (_partition, message) => {
      const headers = decodeHeaders(message.headers);
      delete headers[DEAD_LETTER_REASON_HEADER];
      headers[RETRY_NOT_BEFORE_HEADER] = String(Date.now());
      headers[REPLAYED_AT_HEADER] = new Date().toISOString();
      await publisher.publishEncoded([
        { topic: firstTier, key: message.key?.toString('utf8') ?? '', value: message.value ?? Buffer.alloc(0), headers },
      ]);
      replayed += 1;
    });
  } finally {
    await publisher.disconnect();
  }
  return replayed;
}

/**
 * The group's shortest-delay retry topic, found among the broker's topics: the delays are the
 * consuming service's configuration, which a replaying operator need not know.
 */
async function firstRetryTopic(config: KafkaConfig, groupId: string, logger: Logger): Promise<string | undefined> {
  const admin = createKafkaClient(config, logger).admin();
  await admin.connect();
  try {
    const prefix = `${groupId}.retry-`;
    const tiers = (await admin.listTopics())
      .filter((topic) => topic.startsWith(prefix))
      .map((topic) => ({ topic, delayMs: parseDelay(topic.slice(prefix.length)) }))
      .filter((tier): tier is { topic: string; delayMs: number } => tier.delayMs !== undefined)
      .sort((a, b) => a.delayMs - b.delayMs);
    return tiers[0]?.topic;
  } finally {
    await admin.disconnect();
  }
}

/** `300ms` -> 300, `10s` -> 10000; undefined for anything else. */
function parseDelay(label: string): number | undefined {
  const match = /^(\d+)(ms|s)$/.exec(label);
  if (match === null) return undefined;
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

function toDeadLetter(partition: number, message: KafkaMessage): DeadLetter {
  const headers = decodeHeaders(message.headers);
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    eventId: headers[EVENT_ID_HEADER],
    reason: headers[DEAD_LETTER_REASON_HEADER],
    error: headers[ERROR_HEADER],
    attempts: Number.parseInt(headers[ATTEMPTS_HEADER] ?? '0', 10) || 0,
    originalTopic: headers[ORIGINAL_TOPIC_HEADER],
    originalPartition: headers[ORIGINAL_PARTITION_HEADER],
    originalOffset: headers[ORIGINAL_OFFSET_HEADER],
    deadLetteredAt: new Date(Number(message.timestamp)),
  };
}

/**
 * Consumes `topic` as `readerGroup` from the group's committed position (the beginning for a new
 * group) up to the end the topic had when the call started, committing as it goes, then stops.
 */
async function readUntilEnd(
  config: KafkaConfig,
  topic: string,
  readerGroup: string,
  logger: Logger,
  onMessage: (partition: number, message: KafkaMessage) => Promise<void>,
): Promise<void> {
  const kafka = createKafkaClient(config, logger);
  const remaining = await partitionsWithUnreadMessages(kafka.admin(), topic, readerGroup);
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({ groupId: readerGroup });
  let finished: () => void = () => undefined;
  const allRead = new Promise<void>((resolve) => (finished = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const endOffset = remaining.get(partition);
        if (endOffset === undefined || BigInt(message.offset) >= endOffset) return;
        await onMessage(partition, message);
        if (BigInt(message.offset) + 1n >= endOffset) remaining.delete(partition);
        if (remaining.size === 0) finished();
      },
    });
    await allRead;
  } finally {
    // Disconnecting commits the offsets of the messages handled.
    await consumer.disconnect();
  }
}

/** Partition -> end offset, for the partitions where `group` has not read up to the end yet. */
async function partitionsWithUnreadMessages(admin: Admin, topic: string, group: string): Promise<Map<number, bigint>> {
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return new Map();
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const committedByPartition = new Map(committed?.partitions.map((entry) => [entry.partition, BigInt(entry.offset)]) ?? []);
    const remaining = new Map<number, bigint>();
    for (const { partition, high, low } of ends) {
      const position = committedByPartition.get(partition) ?? -1n;
      const start = position < 0n ? BigInt(low) : position;
      if (start < BigInt(high)) remaining.set(partition, BigInt(high));
    }
    return remaining;
  } finally {
    await admin.disconnect();
  }
}
