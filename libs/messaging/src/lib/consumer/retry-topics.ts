import { type TopicContract } from '@workshop/contracts';

/**
 * Delays of the retry tiers: a failed event is run again after 1 s, then 10 s, then 60 s, and
 * goes to the dead-letter topic if it still fails. Most transient failures (a deadlock, a
 * failover, a restart of a downstream service) are over within the first two.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [1_000, 10_000, 60_000];

/** Kafka's legal topic names; a group id that breaks them cannot name its retry topics. */
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]{1,200}$/;

/**
 * The retry and dead-letter topics of one consumer group. They belong to the group, not to the
 * topic it consumes: a failure is the group's own (its handler, its database), so only the group
 * that failed sees the event again, and one set serves every topic the group reads (the original
 * topic travels in a header).
 */
export interface RetryTopology {
  tiers: readonly { topic: string; delayMs: number }[];
  deadLetterTopic: string;
}

export function retryTopology(groupId: string, delaysMs: readonly number[] = DEFAULT_RETRY_DELAYS_MS): RetryTopology {
  if (!LEGAL_TOPIC_NAME.test(groupId)) {
    throw new Error(`consumer group ${JSON.stringify(groupId)} cannot name topics: use letters, digits, '.', '_' and '-'`);
  }
  for (const delayMs of delaysMs) {
    if (!Number.isInteger(delayMs) || delayMs <= 0) throw new Error(`retry delays must be positive integers (ms), got ${delayMs}`);
  }
  return {
    tiers: delaysMs.map((delayMs) => ({ topic: `${groupId}.retry-${delayLabel(delayMs)}`, delayMs })),
    deadLetterTopic: `${groupId}.dlq`,
  };
}

/** `1s`, `10s`, `1500ms`: readable in a topic list. */
function delayLabel(delayMs: number): string {
  return delayMs % 1000 === 0 ? `${delayMs / 1000}s` : `${delayMs}ms`;
}

/** A topic whose bytes pass through untouched: retry and dead-letter topics hold other topics' payloads. */
export function passThroughTopic(name: string): TopicContract<Buffer> {
  return { name, encode: (bytes) => bytes, decode: (bytes) => bytes };
}
