import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, metricsRegistry } from '@workshop/observability';

// The instruments every pattern of this lib reports on. They live on the process-wide registry,
// so a service's /metrics shows its outbox and its consumers next to its request metrics.

export const outboxBacklog = new Gauge({
  name: 'outbox_backlog',
  help: 'Outbox rows not yet published to Kafka, by schema; measured once per relay cycle.',
  labelNames: ['schema'] as const,
  registers: [metricsRegistry],
});

export const outboxOldestAge = new Gauge({
  name: 'outbox_oldest_age_seconds',
  help: 'Age of the oldest unpublished outbox row, by schema (0 when none): how late events are.',
  labelNames: ['schema'] as const,
  registers: [metricsRegistry],
});

export const outboxCommitToPublishDuration = new Histogram({
  name: 'outbox_commit_to_publish_seconds',
  help: 'Time from an outbox row being written to Kafka acknowledging it, by topic.',
  labelNames: ['topic'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

export const outboxPublishedTotal = new Counter({
  name: 'outbox_published_total',
  help: 'Outbox rows published to Kafka and marked published, by topic.',
  labelNames: ['topic'] as const,
  registers: [metricsRegistry],
});

export const outboxRejectedTotal = new Counter({
  name: 'outbox_rejected_total',
  help: 'Outbox rows Kafka refused even when published alone, moved to <schema>.outbox_rejected, by topic and reason (too_large).',
  labelNames: ['topic', 'reason'] as const,
  registers: [metricsRegistry],
});

export const kafkaPublishDuration = new Histogram({
  name: 'kafka_publish_duration_seconds',
  help: 'Time for the brokers to acknowledge (acks=all) one publish call, by topic.',
  labelNames: ['topic'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

/** result: `ok` (handled) or `failed` (the handler threw; the event went to a retry or dead-letter topic). */
export type ConsumeResult = 'ok' | 'failed';

export const kafkaConsumedTotal = new Counter({
  name: 'kafka_consumed_total',
  help: 'Handler attempts per consumed message, by topic, consumer group and result (ok, failed).',
  labelNames: ['topic', 'group', 'result'] as const,
  registers: [metricsRegistry],
});

export const kafkaHandlerDuration = new Histogram({
  name: 'kafka_handler_duration_seconds',
  help: 'Time one handler attempt took (one event, or one batch for a batch handler), by topic and consumer group.',
  labelNames: ['topic', 'group'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

export const kafkaBatchFallbacksTotal = new Counter({
  name: 'kafka_batch_fallbacks_total',
  help: 'Batch handler calls that failed, so their events were handled again one at a time, by topic and consumer group.',
  labelNames: ['topic', 'group'] as const,
  registers: [metricsRegistry],
});

export const kafkaConsumerLag = new Gauge({
  name: 'kafka_consumer_lag',
  help: 'Messages behind the end of the partition after the last one this process handled, by group, topic and partition.',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [metricsRegistry],
});

export const kafkaRetriesTotal = new Counter({
  name: 'kafka_retries_total',
  help: 'Failed events moved to a retry topic, by consumer group, original topic and retry topic.',
  labelNames: ['group', 'topic', 'retry_topic'] as const,
  registers: [metricsRegistry],
});

/** Why an event was dead-lettered: see `DeadLetterReason`. */
export const kafkaDeadLettersTotal = new Counter({
  name: 'kafka_dead_letters_total',
  help: 'Events moved to the dead-letter topic, by consumer group, original topic and reason.',
  labelNames: ['group', 'topic', 'reason'] as const,
  registers: [metricsRegistry],
});

export const inboxDuplicatesTotal = new Counter({
  name: 'inbox_duplicates_total',
  help: 'Events the inbox recognised as already processed and skipped, by consumer group and topic.',
  labelNames: ['group', 'topic'] as const,
  registers: [metricsRegistry],
});
