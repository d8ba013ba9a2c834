import { type Consumer, type ConsumerConfig, type ConsumerCrashEvent, Partitioners } from 'kafkajs';
import { type TopicContract } from '@workshop/contracts';
import { CORRELATION_ID_HEADER, createLogger, currentCorrelationId, runWithCorrelationId } from '@workshop/observability';
import {
  eventually,
  jsonTopic,
  metricValue,
  rawTopic,
  testKafkaConfig,
  uniqueRunId,
  type TestEvent,
} from '../../testing/messaging-test-support';
import { listDeadLetters, replayDeadLetters } from '../dead-letters/dead-letters';
import { EventPublisher } from '../event-publisher';
import { createKafkaClient } from '../kafka/kafka-client';
import { deleteConsumerGroups, deleteTopics, ensureTopics } from '../topic-admin';
import { type EventContext } from './event-context';
import { HandlesEvent } from './event-handler.decorator';
import { EventConsumer } from './event-consumer';
import { UnprocessableEventError } from './unprocessable-event.error';

const runId = uniqueRunId();
const logger = createLogger('messaging-it', 'silent');
const config = testKafkaConfig(`messaging-it-${runId}`);

const topics = {
  roundTrip: jsonTopic(`messaging-it.${runId}.round-trip`),
  ordering: jsonTopic(`messaging-it.${runId}.ordering`),
  concurrency: jsonTopic(`messaging-it.${runId}.concurrency`),
  retry: jsonTopic(`messaging-it.${runId}.retry`),
  exhausted: jsonTopic(`messaging-it.${runId}.exhausted`),
  undecodable: jsonTopic(`messaging-it.${runId}.undecodable`),
  commit: jsonTopic(`messaging-it.${runId}.commit`),
  scaling: jsonTopic(`messaging-it.${runId}.scaling`),
  crash: jsonTopic(`messaging-it.${runId}.crash`),
};

interface Delivery {
  payload: TestEvent;
  context: EventContext;
  correlationIdInHandler: string | undefined;
}

/** The partition the publisher's partitioner picks for a key, computed the same way. */
function partitionOf(topic: string, key: string): number {
  const partitionMetadata = Array.from({ length: config.topicPartitions }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  return Partitioners.DefaultPartitioner()({ topic, partitionMetadata, message: { key, value: null } });
}

describe('EventPublisher and EventConsumer against the real broker', () => {
  const publisher = new EventPublisher(config, logger);
  const consumers: EventConsumer[] = [];
  const groupIds: string[] = [];
  const extraTopics: string[] = [];

  /**
   * A consumer in a fresh group (or in `groupId`'s), stopped after the test. Retry delays are
   * short here so the suite stays fast; the tiers work the same at 1 s, 10 s, 60 s.
   */
  function consumer(purpose: string, groupId = `messaging-it-${runId}-${purpose}`): EventConsumer {
    const created = new EventConsumer({ ...config, groupId, retryDelaysMs: [300, 600] }, logger);
    const { tiers, deadLetterTopic } = created.retryTopics;
    groupIds.push(groupId, ...tiers.map((tier) => tier.topic), `${groupId}.dlq-replay`);
    extraTopics.push(...tiers.map((tier) => tier.topic), deadLetterTopic);
    consumers.push(created);
    return created;
  }

  function collectInto(deliveries: Delivery[]) {
    return async (payload: TestEvent, context: EventContext) => {
      deliveries.push({ payload, context, correlationIdInHandler: currentCorrelationId() });
    };
  }

  beforeAll(async () => {
    await ensureTopics(config, Object.values(topics) as TopicContract<unknown>[], logger);
    await publisher.connect();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((each) => each.stop()));
  });

  afterAll(async () => {
    await publisher.disconnect();
    try {
      await deleteConsumerGroups(config, groupIds, logger);
    } finally {
      await deleteTopics(config, [...Object.values(topics).map((topic) => topic.name), ...new Set(extraTopics)], logger);
    }
  });

  it('delivers payload, key and headers, and runs the handler under the correlation id of the producer', async () => {
    const deliveries: Delivery[] = [];
    await consumer('round-trip').on(topics.roundTrip, collectInto(deliveries)).start();

    await runWithCorrelationId('it-correlation-42', () =>
      publisher.publish(topics.roundTrip, [{ key: 'order-1', payload: { sequence: 1, note: 'hello' }, headers: { tenant: 'acme' } }]),
    );

    await eventually(
      () => deliveries.length,
      (count) => count === 1,
      30_000,
      'one delivery',
    );
    const [delivery] = deliveries;
    expect(delivery.payload).toEqual({ sequence: 1, note: 'hello' });
    expect(delivery.context).toMatchObject({
      topic: topics.roundTrip.name,
      key: 'order-1',
      offset: '0',
      headers: { [CORRELATION_ID_HEADER]: 'it-correlation-42', tenant: 'acme' },
    });
    expect(delivery.correlationIdInHandler).toBe('it-correlation-42');
  });

  it('keeps the events of one key in order and on one partition', async () => {
    const deliveries: Delivery[] = [];
    await consumer('ordering').on(topics.ordering, collectInto(deliveries)).start();
    const keys = ['customer-a', 'customer-b', 'customer-c'];
    const perKey = 100;

    // Several publish calls, each interleaving the keys, as concurrent requests would.
    for (let round = 0; round < 4; round++) {
      const events = [];
      for (let index = round * (perKey / 4); index < (round + 1) * (perKey / 4); index++) {
        for (const key of keys) events.push({ key, payload: { sequence: index } });
      }
      await publisher.publish(topics.ordering, events);
    }

    await eventually(
      () => deliveries.length,
      (count) => count === keys.length * perKey,
      30_000,
      'every event',
    );
    for (const key of keys) {
      const ofKey = deliveries.filter((delivery) => delivery.context.key === key);
      expect(ofKey.map((delivery) => delivery.payload.sequence)).toEqual(Array.from({ length: perKey }, (_, index) => index));
      expect(new Set(ofKey.map((delivery) => delivery.context.partition))).toEqual(new Set([partitionOf(topics.ordering.name, key)]));
    }
  });

  it('processes the partitions of a fetch concurrently: a slow handler on one does not hold up another', async () => {
    const slowKey = 'slow';
    const slowPartition = partitionOf(topics.concurrency.name, slowKey);
    const fastKey = ['fast-1', 'fast-2', 'fast-3', 'fast-4', 'fast-5'].find(
      (key) => partitionOf(topics.concurrency.name, key) !== slowPartition,
    )!;
    let releaseSlow: () => void = () => undefined;
    const slowReleased = new Promise<void>((resolve) => (releaseSlow = resolve));
    const handled: string[] = [];
    // Published before the consumer starts, so its first fetch brings both partitions' batches
    // (kafkajs fetches the next batches from a broker only once all of the current ones are done).
    await publisher.publish(topics.concurrency, [{ key: slowKey, payload: { sequence: 1 } }]);
    await publisher.publish(topics.concurrency, [{ key: fastKey, payload: { sequence: 2 } }]);

    await consumer('concurrency')
      .on(topics.concurrency, async (_payload, context) => {
        // The slow event waits until the fast one, published after it, has been handled:
        // processed one partition after the other, this would never finish.
        if (context.key === slowKey) await slowReleased;
        handled.push(context.key!);
        if (context.key === fastKey) releaseSlow();
      })
      .start();

    await eventually(
      () => handled.length,
      (count) => count === 2,
      30_000,
      'both events',
    );
    expect(handled).toEqual([fastKey, slowKey]);
  });

  it('retries a failing handler through the retry topics while later events of the partition go on', async () => {
    const group = `messaging-it-${runId}-retry`;
    const attempts = new Map<number, number[]>();
    const handled: number[] = [];

    class FlakyHandler {
      @HandlesEvent(topics.retry)
      async handle(payload: TestEvent, context: EventContext): Promise<void> {
        attempts.set(payload.sequence, [...(attempts.get(payload.sequence) ?? []), context.attempt]);
        if (payload.sequence === 1 && context.attempt <= 2) throw new Error(`transient failure #${context.attempt}`);
        handled.push(payload.sequence);
      }
    }
    await consumer('retry', group).register(new FlakyHandler()).start();

    await publisher.publish(topics.retry, [
      { key: 'same-key', payload: { sequence: 1 } },
      { key: 'same-key', payload: { sequence: 2 } },
    ]);

    await eventually(
      () => handled.length,
      (count) => count === 2,
      30_000,
      'both events handled',
    );
    // The failing event did not hold up the one behind it on its partition.
    expect(handled).toEqual([2, 1]);
    expect(attempts.get(1)).toEqual([1, 2, 3]);
    expect(await metricValue('kafka_retries_total', { group, topic: topics.retry.name, retry_topic: `${group}.retry-300ms` })).toBe(1);
    expect(await metricValue('kafka_retries_total', { group, topic: topics.retry.name, retry_topic: `${group}.retry-600ms` })).toBe(1);
  });

  it('dead-letters an event that fails every retry, with its history in headers, and replays it once fixed', async () => {
    const group = `messaging-it-${runId}-exhausted`;
    let broken = true;
    const handled: TestEvent[] = [];
    const seen: EventContext[] = [];
    await consumer('exhausted', group)
      .on(topics.exhausted, async (payload, context) => {
        seen.push(context);
        if (broken && payload.sequence === 1) throw new Error('the database said no');
        handled.push(payload);
      })
      .start();
    await publisher.publish(topics.exhausted, [{ key: 'k', payload: { sequence: 1 }, headers: { 'x-event-id': 'event-1' } }]);

    const [letter] = await eventually(
      () => listDeadLetters(config, group, logger),
      (letters) => letters.length === 1,
      30_000,
      'the dead letter',
    );
    expect(letter).toMatchObject({
      eventId: 'event-1',
      reason: 'retries-exhausted',
      error: 'the database said no',
      attempts: 3,
      originalTopic: topics.exhausted.name,
      originalPartition: String(seen[0].partition),
      originalOffset: '0',
    });
    expect(await metricValue('kafka_dead_letters_total', { group, topic: topics.exhausted.name, reason: 'retries-exhausted' })).toBe(1);

    broken = false;
    expect(await replayDeadLetters(config, group, logger)).toBe(1);
    await eventually(
      () => handled.length,
      (count) => count === 1,
      30_000,
      'the replayed event',
    );
    // Replaying again finds nothing new; listing still shows the letter (the topic is a log).
    expect(await replayDeadLetters(config, group, logger)).toBe(0);
    expect(await listDeadLetters(config, group, logger)).toHaveLength(1);
  });

  it('dead-letters a malformed message at once, with the reason, and the partition keeps flowing', async () => {
    const group = `messaging-it-${runId}-undecodable`;
    const deliveries: Delivery[] = [];
    await consumer('undecodable', group)
      .on(topics.undecodable, async (payload, context) => {
        if (payload.sequence === 3) throw new UnprocessableEventError('sequence 3 is not allowed');
        deliveries.push({ payload, context, correlationIdInHandler: currentCorrelationId() });
      })
      .start();

    await publisher.publish(rawTopic(topics.undecodable.name), [{ key: 'k', payload: Buffer.from('definitely not JSON') }]);
    await publisher.publish(topics.undecodable, [
      { key: 'k', payload: { sequence: 2 } },
      { key: 'k', payload: { sequence: 3 } },
      { key: 'k', payload: { sequence: 4 } },
    ]);

    await eventually(
      () => deliveries.length,
      (count) => count === 2,
      30_000,
      'the good events',
    );
    expect(deliveries.map((delivery) => delivery.payload.sequence)).toEqual([2, 4]);
    const letters = await eventually(
      () => listDeadLetters(config, group, logger),
      (found) => found.length === 2,
      30_000,
      'two dead letters',
    );
    expect(letters.map((letter) => [letter.reason, letter.originalOffset, letter.attempts])).toEqual([
      ['undecodable', '0', 1],
      ['unprocessable', '2', 1],
    ]);
    expect(letters[0].error).toMatch(/JSON/);
    expect(await metricValue('kafka_dead_letters_total', { group, topic: topics.undecodable.name, reason: 'undecodable' })).toBe(1);
  });

  it('splits the partitions between the instances of a group, each event going to the owner of its partition', async () => {
    const group = `messaging-it-${runId}-scaling`;
    const deliveries = new Map<number, Delivery[]>([0, 1, 2].map((instance) => [instance, []]));
    const instances = [0, 1, 2].map((instance) => consumer('scaling', group).on(topics.scaling, collectInto(deliveries.get(instance)!)));
    await Promise.all(instances.map((instance) => instance.start()));

    const assignments = await eventually(
      () => instances.map((instance) => [...(instance.assignment[topics.scaling.name] ?? [])].sort((a, b) => a - b)),
      (owned) => owned.every((partitions) => partitions.length > 0) && owned.flat().length === config.topicPartitions,
      45_000,
      'the three instances to share the partitions',
    );
    expect(assignments.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: config.topicPartitions }, (_, partition) => partition));

    await publisher.publish(
      topics.scaling,
      Array.from({ length: 60 }, (_, index) => ({ key: `customer-${index}`, payload: { sequence: index } })),
    );
    await eventually(
      () => [...deliveries.values()].flat().length,
      (count) => count === 60,
      30_000,
      'every event',
    );
    for (const [instance, received] of deliveries) {
      expect(received.length).toBeGreaterThan(0);
      for (const delivery of received) expect(assignments[instance]).toContain(delivery.context.partition);
    }
  });

  it('commits what it handled when stopped, so a restarted group resumes after it', async () => {
    const group = `messaging-it-${runId}-commit`;
    const firstRun: Delivery[] = [];
    const first = consumer('commit', group).on(topics.commit, collectInto(firstRun));
    await first.start();
    await publisher.publish(
      topics.commit,
      [1, 2, 3].map((sequence) => ({ key: 'k', payload: { sequence } })),
    );
    await eventually(
      () => firstRun.length,
      (count) => count === 3,
      30_000,
      'the first three events',
    );
    await first.stop();

    await publisher.publish(
      topics.commit,
      [4, 5].map((sequence) => ({ key: 'k', payload: { sequence } })),
    );
    const secondRun: Delivery[] = [];
    await consumer('commit', group).on(topics.commit, collectInto(secondRun)).start();

    await eventually(
      () => secondRun.length,
      (count) => count >= 2,
      30_000,
      'the two new events',
    );
    // Give a wrongly uncommitted event time to show up again before asserting it did not.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(secondRun.map((delivery) => delivery.payload.sequence)).toEqual([4, 5]);
  });

  it('rebuilds its consumers after a crash kafkajs does not restart, and consumes again', async () => {
    // The real client, with each consumer's CRASH listener kept aside: kafkajs emits that event
    // itself, on errors no test can order up, so the test plays that part.
    const realClient = createKafkaClient(config, logger);
    const created: { consumer: Consumer; crashListeners: ((event: ConsumerCrashEvent) => void)[] }[] = [];
    const client = {
      consumer: (consumerConfig: ConsumerConfig): Consumer => {
        const real = realClient.consumer(consumerConfig);
        const entry = { consumer: real, crashListeners: [] as ((event: ConsumerCrashEvent) => void)[] };
        created.push(entry);
        const on = ((eventName: string, listener: (event: ConsumerCrashEvent) => void) => {
          if (eventName === real.events.CRASH) entry.crashListeners.push(listener);
          return real.on(eventName as typeof real.events.CRASH, listener);
        }) as Consumer['on'];
        return { ...real, on };
      },
    };
    const groupId = `messaging-it-${runId}-crash`;
    const crashing = new EventConsumer({ ...config, groupId, retryDelaysMs: [300, 600] }, logger, client);
    groupIds.push(groupId, ...crashing.retryTopics.tiers.map((tier) => tier.topic));
    extraTopics.push(...crashing.retryTopics.tiers.map((tier) => tier.topic), crashing.retryTopics.deadLetterTopic);
    consumers.push(crashing);
    const deliveries: Delivery[] = [];
    await crashing.on(topics.crash, collectInto(deliveries)).start();
    await publisher.publish(topics.crash, [{ key: 'crash-1', payload: { sequence: 1 } }]);
    await eventually(
      () => deliveries.length,
      (count) => count === 1,
      30_000,
      'the event before the crash',
    );
    // One consumer for the group and one per retry tier.
    const stagesBeforeCrash = created.splice(0);
    expect(stagesBeforeCrash).toHaveLength(1 + crashing.retryTopics.tiers.length);

    // What kafkajs does after an error it deems not retriable: the consumer stops, and CRASH says
    // it will not be restarted.
    const main = stagesBeforeCrash[0] as (typeof stagesBeforeCrash)[number];
    await main.consumer.stop();
    for (const listener of main.crashListeners) {
      listener({
        id: 'simulated-crash',
        type: main.consumer.events.CRASH,
        timestamp: Date.now(),
        payload: { error: new Error('a crash kafkajs does not recover from'), groupId, restart: false },
      });
    }

    await publisher.publish(topics.crash, [{ key: 'crash-1', payload: { sequence: 2 } }]);
    await eventually(
      () => deliveries.length,
      (count) => count === 2,
      60_000,
      'the event after the crash',
    );
    expect(deliveries.map((delivery) => delivery.payload.sequence)).toEqual([1, 2]);
    // Every stage was rebuilt with a new consumer, not only the crashed one.
    expect(created).toHaveLength(1 + crashing.retryTopics.tiers.length);
    // The group's stage consumes as soon as it runs; isRunning turns true once every stage does.
    await eventually(
      () => crashing.isRunning,
      (running) => running,
      30_000,
      'every stage running again',
    );
  }, 120_000);
});
