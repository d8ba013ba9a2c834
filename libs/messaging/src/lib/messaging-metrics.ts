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

export const outboxPublishedTotal = new Counter({
  name: 'outbox_published_total',
  help: 'Outbox rows published to Kafka and marked published, by topic.',
  labelNames: ['topic'] as const,
  registers: [metricsRegistry],
});

export const kafkaPublishDuration = new Histogram({
  name: 'kafka_publish_duration_seconds',
  help: 'Time for the brokers to acknowledge (acks=all) one publish call, by topic.',
  labelNames: ['topic'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

/** result: `ok` (handled), `retried` (handler failed, retried in place) or `undecodable` (skipped). */
export type ConsumeResult = 'ok' | 'retried' | 'undecodable';

export const kafkaConsumedTotal = new Counter({
  name: 'kafka_consumed_total',
  help: 'Handler attempts per consumed message, by topic, consumer group and result (ok, retried, undecodable).',
  labelNames: ['topic', 'group', 'result'] as const,
  registers: [metricsRegistry],
});

export const kafkaHandlerDuration = new Histogram({
  name: 'kafka_handler_duration_seconds',
  help: 'Time one handler attempt took, by topic and consumer group.',
  labelNames: ['topic', 'group'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});
