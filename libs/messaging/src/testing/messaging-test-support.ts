import { randomUUID } from 'node:crypto';
import { loadInfrastructureConfig } from '@workshop/config';
import { type TopicContract } from '@workshop/contracts';
import { metricsRegistry } from '@workshop/observability';
import { type KafkaConfig } from '../lib/kafka/kafka-config';

// Helpers for this lib's integration tests: unique names, throwaway topic contracts, polling.

/** The project's own Kafka, as the services see it. */
export function testKafkaConfig(clientId: string): KafkaConfig {
  const { kafka } = loadInfrastructureConfig();
  return { brokers: kafka.brokers, clientId, topicPartitions: kafka.topicPartitions };
}

/** A short id unique to this run, so concurrent and repeated runs never share topics, groups or schemas. */
export function uniqueRunId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 10);
}

/** A payload for tests: any JSON value the test can compare with `toEqual`. */
export interface TestEvent {
  sequence: number;
  note?: string;
}

/**
 * A JSON topic contract whose decoder rejects anything that is not a `TestEvent`, the way a
 * protobuf decoder rejects foreign bytes.
 */
export function jsonTopic(name: string): TopicContract<TestEvent> {
  return {
    name,
    encode: (payload) => Buffer.from(JSON.stringify(payload), 'utf8'),
    decode: (bytes) => {
      const value: unknown = JSON.parse(bytes.toString('utf8'));
      if (typeof value !== 'object' || value === null || typeof (value as TestEvent).sequence !== 'number') {
        throw new Error(`not a TestEvent: ${bytes.toString('utf8')}`);
      }
      return value as TestEvent;
    },
  };
}

/** A contract that passes bytes through untouched: for writing deliberately malformed messages. */
export function rawTopic(name: string): TopicContract<Buffer> {
  return { name, encode: (payload) => payload, decode: (bytes) => bytes };
}

/** Polls `probe` until `accept` likes its result, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 30_000,
  description = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The current value of one labelled series of a counter or gauge on the shared registry. */
export async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = metricsRegistry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return match?.value ?? 0;
}
