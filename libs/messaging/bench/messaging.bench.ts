/**
 * `npx nx run messaging:bench`: what the transactional outbox and the inbox cost on top of Kafka,
 * measured against Kafka alone in one run, on the project's own Kafka and Postgres.
 *
 * 1. Throughput, N events as fast as they go.
 *    - Raw: a bare kafkajs producer (acks=all, batches of the relay's size, one at a time like the
 *      relay) sends to a test topic while a bare kafkajs consumer group reads it. Events/s from
 *      the first send to the last event consumed. The records are those the relay publishes, the
 *      envelope's headers included, so the ratios measure what the outbox and the inbox add to
 *      Kafka; the same with an event id as the only header is printed too (`RawEnvelope`).
 *    - Full path: concurrent transactions insert events with `enqueueOutboxEvents`, an
 *      `OutboxRelay` publishes them, an `EventConsumer` batch handler (`@HandlesEventBatch`)
 *      applies each fetched batch's effects through `Inbox.processBatchOnce`. Events/s from the
 *      first commit to the last effect; once with one event per transaction (the primary figure),
 *      once with several per transaction (a producer that commits events together).
 *    - Postgres alone: the same writers commit one-row transactions with no outbox, no relay and
 *      no consumer: the most commits per second this machine's Postgres takes from them, the
 *      ceiling of any path that commits each event on its own.
 *    - Relay drain: the writers fill the outbox (several events per transaction) while the relay
 *      is stopped, then it starts; events/s from its start to the last effect. What the path after
 *      the outbox carries when it does not share the machine with the writers. Then the same one
 *      half at a time: the relay alone until the outbox is empty, the consumer alone after it.
 * 2. Latency at a fixed rate, open loop (each event is sent when it is due, whether or not the
 *    earlier ones are done, so a slow path cannot slow the load down and hide its own queueing):
 *    raw send-to-consume, and full-path commit-to-effect (the effect's transaction committed).
 *
 * Topics, consumer groups and schema are new for each run and removed afterwards. Prints figures
 * as it goes and ends with one JSON line holding all of them.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { loadInfrastructureConfig } from '@workshop/config';
import { type TopicContract } from '@workshop/contracts';
import { DatabaseRouter, runMigrations } from '@workshop/db';
import { createLogger } from '@workshop/observability';
import { type EventContext } from '../src/lib/consumer/event-context';
import { EventConsumer } from '../src/lib/consumer/event-consumer';
import { HandlesEventBatch } from '../src/lib/consumer/event-handler.decorator';
import { retryTopology } from '../src/lib/consumer/retry-topics';
import { EVENT_ID_HEADER, withConsistencyToken } from '../src/lib/event-headers';
import { EventPublisher } from '../src/lib/event-publisher';
import { Inbox } from '../src/lib/inbox/inbox';
import { inboxMigration } from '../src/lib/inbox/inbox-migration';
import { createKafkaClient } from '../src/lib/kafka/kafka-client';
import { type KafkaConfig } from '../src/lib/kafka/kafka-config';
import { envelopeHeaders, enqueueOutboxEvents, type OutboxEvent } from '../src/lib/outbox/outbox-enqueue';
import { outboxMigrations } from '../src/lib/outbox/outbox-migration';
import { DEFAULT_OUTBOX_BATCH_SIZE, OutboxRelay } from '../src/lib/outbox/outbox-relay';
import { deleteConsumerGroups, deleteTopics, ensureTopics } from '../src/lib/topic-admin';
import { effectsTableSql } from '../src/testing/inbox-effects';
import { jsonTopic, uniqueRunId, type TestEvent } from '../src/testing/messaging-test-support';

const THROUGHPUT_EVENTS = 20_000;
const WARM_UP_EVENTS = 500;
/** Transactions enqueueing at once in the full path's throughput phase, as a busy service's requests would. */
const WRITERS = 8;
/**
 * Events per transaction in the batched-writer throughput phase: a request or job that produces
 * several events at once (a bulk import, an order with many lines) commits them together.
 */
const EVENTS_PER_WRITER_TRANSACTION = 10;
/** Events per send in the raw phase: the relay's default batch size, so both paths batch alike. */
const RAW_BATCH_SIZE = DEFAULT_OUTBOX_BATCH_SIZE;
const RATE_PER_SECOND = 500;
const LATENCY_PHASE_MS = 10_000;
/** Keys cycle over this many aggregates, enough to spread over every partition. */
const KEYS = 64;
/** A phase that has not delivered everything by then is broken, not slow. */
const PHASE_TIMEOUT_MS = 180_000;

const runId = uniqueRunId();
const logger = createLogger('messaging-bench', 'warn');
const { kafka, postgres } = loadInfrastructureConfig();
const kafkaConfig: KafkaConfig = { brokers: kafka.brokers, clientId: `messaging-bench-${runId}`, topicPartitions: kafka.topicPartitions };
const schema = `messaging_bench_${runId}`;
const rawTopic = jsonTopic(`messaging-bench.${runId}.raw`);
const fullPathTopic = jsonTopic(`messaging-bench.${runId}.full-path`);
const rawGroup = `messaging-bench-${runId}-raw`;
const fullPathGroup = `messaging-bench-${runId}-full-path`;
/** The drain measured one half at a time has a topic and a consumer group of its own (see `drainHalves`). */
const halvesTopic = jsonTopic(`messaging-bench.${runId}.drain-halves`);
const halvesGroup = `messaging-bench-${runId}-drain-halves`;

/** A half-open range of event sequence numbers: each phase sends its own. */
interface Sequences {
  first: number;
  end: number;
}

interface Latencies {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * When each event was sent (raw) or committed (full path), and when it arrived (raw) or its effect
 * was committed (full path), by sequence number. Both ends are recorded in this process, on one clock.
 */
class DeliveryLog {
  private readonly sentAt = new Map<number, number>();
  private readonly arrivedAt = new Map<number, number>();

  sent(sequence: number): void {
    this.sentAt.set(sequence, performance.now());
  }

  /** A redelivery (at least once) keeps the first arrival. */
  arrived(sequence: number): void {
    if (!this.arrivedAt.has(sequence)) this.arrivedAt.set(sequence, performance.now());
  }

  /** Resolves with the time the last event of `sequences` arrived. */
  async lastArrival(sequences: Sequences, what: string): Promise<number> {
    const deadline = performance.now() + PHASE_TIMEOUT_MS;
    for (;;) {
      let missing = 0;
      let last = 0;
      for (let sequence = sequences.first; sequence < sequences.end; sequence += 1) {
        const arrival = this.arrivedAt.get(sequence);
        if (arrival === undefined) missing += 1;
        else last = Math.max(last, arrival);
      }
      if (missing === 0) return last;
      if (performance.now() > deadline) throw new Error(`${what}: ${missing} events did not arrive within ${PHASE_TIMEOUT_MS} ms`);
      await sleep(20);
    }
  }

  latencies(sequences: Sequences): Latencies {
    const values: number[] = [];
    for (let sequence = sequences.first; sequence < sequences.end; sequence += 1) {
      values.push((this.arrivedAt.get(sequence) ?? Number.NaN) - (this.sentAt.get(sequence) ?? Number.NaN));
    }
    values.sort((a, b) => a - b);
    const at = (quantile: number) => round(values[Math.min(values.length - 1, Math.floor(quantile * values.length))] ?? 0);
    return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(values[values.length - 1] ?? 0) };
  }
}

/** Hands out consecutive sequence numbers, so no two phases share one. */
let nextSequence = 0;
function sequencesOf(count: number): Sequences {
  const sequences = { first: nextSequence, end: nextSequence + count };
  nextSequence += count;
  return sequences;
}

const keyOf = (sequence: number) => `aggregate-${sequence % KEYS}`;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * The headers of the raw path's records. `outbox`: the envelope the relay publishes (event id,
 * type, schema version, traceparent, consistency token), so both paths send Kafka the same
 * records and the ratio is what the outbox and the inbox add. `event-id-only`: the lightest record
 * a consumer can still deduplicate, measured too, to show what the envelope itself costs Kafka.
 */
type RawEnvelope = 'outbox' | 'event-id-only';

/** A WAL position as the relay stamps it (the value does not matter, its length does). */
const SAMPLE_CONSISTENCY_TOKEN = '1/9F3A4C28';

/** The raw baseline: kafkajs alone, with the acknowledgement the publisher uses and no database. */
class RawPath {
  readonly log = new DeliveryLog();
  private readonly client = createKafkaClient(kafkaConfig, logger);
  private readonly producer: Producer = this.client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  private readonly consumer: Consumer = this.client.consumer({ groupId: rawGroup });

  async start(): Promise<void> {
    await ensureTopics(kafkaConfig, [rawTopic], logger);
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [rawTopic.name], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: kafkaConfig.topicPartitions,
      eachMessage: async ({ message }) => {
        if (message.value !== null) this.log.arrived(rawTopic.decode(message.value).sequence);
      },
    });
  }

  async send(sequences: Sequences, envelope: RawEnvelope = 'outbox'): Promise<void> {
    for (let sequence = sequences.first; sequence < sequences.end; sequence += 1) this.log.sent(sequence);
    const messages = [];
    for (let sequence = sequences.first; sequence < sequences.end; sequence += 1) {
      const event = { id: randomUUID(), topic: rawTopic, key: keyOf(sequence), payload: { sequence } };
      const headers =
        envelope === 'outbox'
          ? withConsistencyToken(envelopeHeaders(event, undefined), SAMPLE_CONSISTENCY_TOKEN)
          : { [EVENT_ID_HEADER]: event.id };
      messages.push({ key: event.key, value: rawTopic.encode(event.payload), headers });
    }
    await this.producer.send({ topic: rawTopic.name, acks: -1, messages });
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.consumer.disconnect(), this.producer.disconnect()]);
  }
}

/** The full path: outbox insert -> relay -> Kafka -> idempotent consumer effect. */
class FullPath {
  readonly log = new DeliveryLog();
  // Producing and consuming services have pools of their own, as two services would.
  private readonly producerDb = benchDatabase('messaging-bench-producer');
  private readonly consumerDb = benchDatabase('messaging-bench-consumer');
  private readonly relay = new OutboxRelay({
    db: this.producerDb,
    createPublisher: () => new EventPublisher(kafkaConfig, logger),
    schema,
    logger,
  });
  private readonly consumer = new EventConsumer({ ...kafkaConfig, groupId: fullPathGroup }, logger);
  private schemaCreated = false;

  async start(): Promise<void> {
    await this.producerDb.query(`CREATE SCHEMA "${schema}"`);
    this.schemaCreated = true;
    await runMigrations(this.producerDb, {
      schema,
      migrations: [
        ...outboxMigrations(schema),
        inboxMigration(schema),
        { id: 'bench-effects', sql: effectsTableSql(schema) },
        { id: 'bench-commits', sql: `CREATE TABLE "${schema}".commits (sequence int NOT NULL)` },
      ],
      logger,
    });
    await ensureTopics(kafkaConfig, [fullPathTopic, halvesTopic], logger);
    await this.relay.start();
    await this.consumer.register(effectApplier(new Inbox(this.consumerDb, schema), this.log, fullPathTopic)).start();
  }

  async stopRelay(): Promise<void> {
    await this.relay.stop();
  }

  async startRelay(): Promise<void> {
    await this.relay.start();
  }

  /** Starts a consumer group of its own on `topic`, applying effects as the main one does; the caller stops it. */
  async startConsumerOf(topic: TopicContract<TestEvent>, groupId: string): Promise<EventConsumer> {
    const consumer = new EventConsumer({ ...kafkaConfig, groupId }, logger);
    await consumer.register(effectApplier(new Inbox(this.consumerDb, schema), this.log, topic)).start();
    return consumer;
  }

  /** Resolves once the relay has published (and deleted) every row of the outbox. */
  async outboxEmptied(): Promise<void> {
    const deadline = performance.now() + PHASE_TIMEOUT_MS;
    for (;;) {
      const { rows } = await this.producerDb.query<{ waiting: boolean }>(`SELECT EXISTS (SELECT 1 FROM "${schema}".outbox) AS waiting`);
      if (rows[0]?.waiting === false) return;
      if (performance.now() > deadline) throw new Error(`the relay did not empty the outbox within ${PHASE_TIMEOUT_MS} ms`);
      await sleep(5);
    }
  }

  /** One transaction enqueueing one event; the commit time is taken once the commit is acknowledged. */
  async enqueue(sequence: number): Promise<void> {
    await this.enqueueAll({ first: sequence, end: sequence + 1 });
  }

  /** One transaction enqueueing every event of `sequences`, as a request that produces several events would. */
  async enqueueAll(sequences: Sequences, topic = fullPathTopic): Promise<void> {
    const events: OutboxEvent<TestEvent>[] = [];
    for (let sequence = sequences.first; sequence < sequences.end; sequence += 1) {
      events.push({ id: randomUUID(), topic, key: keyOf(sequence), payload: { sequence } });
    }
    await this.producerDb.transaction((tx) => enqueueOutboxEvents(tx, schema, events));
    for (let sequence = sequences.first; sequence < sequences.end; sequence += 1) this.log.sent(sequence);
  }

  /** One transaction writing one row, shaped like a writer's but with no outbox: what Postgres alone costs. */
  async commitAlone(sequence: number): Promise<void> {
    await this.producerDb.transaction((tx) => tx.query(`INSERT INTO "${schema}".commits (sequence) VALUES ($1)`, [sequence]));
  }

  async effectsApplied(): Promise<number> {
    const { rows } = await this.consumerDb.query<{ count: number }>(`SELECT count(*)::int AS count FROM "${schema}".effects`);
    return rows[0]?.count ?? 0;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.relay.stop(), this.consumer.stop()]);
    if (this.schemaCreated) await this.producerDb.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.allSettled([this.producerDb.close(), this.consumerDb.close()]);
  }
}

function benchDatabase(applicationName: string): DatabaseRouter {
  return new DatabaseRouter({ primaryUrl: postgres.primaryUrl, replicaUrls: [], applicationName, poolSize: 10 }, logger);
}

/**
 * The consumer's batch handler: one `effects` row per new event, all of a partition's fetched
 * events in one inbox transaction, then the arrivals are logged.
 */
function effectApplier(inbox: Inbox, log: DeliveryLog, topic: TopicContract<TestEvent>): object {
  class EffectApplier {
    @HandlesEventBatch(topic)
    async apply(events: readonly TestEvent[], contexts: readonly EventContext[]): Promise<void> {
      await inbox.processBatchOnce(contexts, (tx, newEvents) =>
        tx.query(
          `INSERT INTO "${schema}".effects (event_id, message_key, sequence)
           SELECT * FROM unnest($1::text[], $2::text[], $3::int[])`,
          [
            newEvents.map((index) => contexts[index]?.eventId),
            newEvents.map((index) => contexts[index]?.key),
            newEvents.map((index) => events[index]?.sequence),
          ],
        ),
      );
      // A duplicate's effect was applied (and logged) on its first delivery.
      for (const event of events) log.arrived(event.sequence);
    }
  }
  return new EffectApplier();
}

/** Runs `work` for every sequence, `concurrency` at a time. */
async function forEachConcurrently(sequences: Sequences, concurrency: number, work: (sequence: number) => Promise<void>): Promise<void> {
  let next = sequences.first;
  const worker = async () => {
    while (next < sequences.end) {
      const sequence = next;
      next += 1;
      await work(sequence);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Starts `send` for each sequence at its due time (`ratePerSecond`, evenly spaced) without waiting
 * for the earlier ones. Returns how far behind schedule the latest start was: if that is large,
 * this machine could not generate the load, and the latencies say little.
 */
async function atFixedRate(sequences: Sequences, ratePerSecond: number, send: (sequence: number) => Promise<void>): Promise<number> {
  const inFlight: Promise<void>[] = [];
  const startedAt = performance.now();
  const count = sequences.end - sequences.first;
  let maxSlipMs = 0;
  for (let index = 0; index < count; ) {
    const elapsedMs = performance.now() - startedAt;
    const due = Math.min(count, Math.floor((elapsedMs * ratePerSecond) / 1000) + 1);
    for (; index < due; index += 1) {
      maxSlipMs = Math.max(maxSlipMs, elapsedMs - (index * 1000) / ratePerSecond);
      inFlight.push(send(sequences.first + index));
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
  return round(maxSlipMs);
}

async function rawThroughput(raw: RawPath, sequences: Sequences, envelope: RawEnvelope = 'outbox'): Promise<number> {
  const startedAt = performance.now();
  for (let first = sequences.first; first < sequences.end; first += RAW_BATCH_SIZE) {
    await raw.send({ first, end: Math.min(first + RAW_BATCH_SIZE, sequences.end) }, envelope);
  }
  const last = await raw.log.lastArrival(sequences, 'raw throughput');
  return (sequences.end - sequences.first) / ((last - startedAt) / 1000);
}

/** The writers enqueue every event of `sequences`, `eventsPerTransaction` to a transaction. */
async function enqueueConcurrently(
  fullPath: FullPath,
  sequences: Sequences,
  eventsPerTransaction: number,
  topic = fullPathTopic,
): Promise<void> {
  const transactions = { first: 0, end: Math.ceil((sequences.end - sequences.first) / eventsPerTransaction) };
  await forEachConcurrently(transactions, WRITERS, (transaction) => {
    const first = sequences.first + transaction * eventsPerTransaction;
    return fullPath.enqueueAll({ first, end: Math.min(first + eventsPerTransaction, sequences.end) }, topic);
  });
}

/** `eventsPerTransaction` 1: each event its own transaction; more: each writer commits that many events at once. */
async function fullPathThroughput(fullPath: FullPath, sequences: Sequences, eventsPerTransaction = 1): Promise<number> {
  const startedAt = performance.now();
  await enqueueConcurrently(fullPath, sequences, eventsPerTransaction);
  const last = await fullPath.log.lastArrival(sequences, 'full-path throughput');
  return (sequences.end - sequences.first) / ((last - startedAt) / 1000);
}

/** The relay and the consumer alone: the outbox is filled with the relay stopped, then drained. */
async function relayDrainThroughput(fullPath: FullPath, sequences: Sequences): Promise<number> {
  await fullPath.stopRelay();
  await enqueueConcurrently(fullPath, sequences, EVENTS_PER_WRITER_TRANSACTION);
  const startedAt = performance.now();
  await fullPath.startRelay();
  const last = await fullPath.log.lastArrival(sequences, 'relay drain');
  return (sequences.end - sequences.first) / ((last - startedAt) / 1000);
}

/**
 * The drain again, one half at a time, to tell which half bounds it: the relay alone (nothing
 * consumes yet) until the outbox is empty, then a consumer alone on what the relay published.
 * On a topic and group of their own, so the main consumer is never stopped and restarted (a group
 * rejoining can stall for seconds, which would land in a later phase).
 */
async function drainHalves(fullPath: FullPath, sequences: Sequences): Promise<{ relayAlone: number; consumerAlone: number }> {
  const events = sequences.end - sequences.first;
  await fullPath.stopRelay();
  await enqueueConcurrently(fullPath, sequences, EVENTS_PER_WRITER_TRANSACTION, halvesTopic);
  const relayStartedAt = performance.now();
  await fullPath.startRelay();
  await fullPath.outboxEmptied();
  const relayAlone = events / ((performance.now() - relayStartedAt) / 1000);
  const consumerStartedAt = performance.now();
  const consumer = await fullPath.startConsumerOf(halvesTopic, halvesGroup);
  try {
    const last = await fullPath.log.lastArrival(sequences, 'consumer alone');
    return { relayAlone, consumerAlone: events / ((last - consumerStartedAt) / 1000) };
  } finally {
    await consumer.stop();
  }
}

/** Postgres's ceiling for one-event transactions: the writers commit one row each, as fast as they go. */
async function postgresCommitsPerSecond(fullPath: FullPath, count: number): Promise<number> {
  const startedAt = performance.now();
  await forEachConcurrently({ first: 0, end: count }, WRITERS, (sequence) => fullPath.commitAlone(sequence));
  return count / ((performance.now() - startedAt) / 1000);
}

async function main(): Promise<void> {
  const raw = new RawPath();
  const fullPath = new FullPath();
  // Each retry tier is a topic and a consumer group of the same name.
  const topologies = [fullPathGroup, halvesGroup].map((group) => retryTopology(group));
  const tierTopics = topologies.flatMap(({ tiers }) => tiers.map((tier) => tier.topic));
  const deadLetterTopics = topologies.map(({ deadLetterTopic }) => deadLetterTopic);
  try {
    await raw.start();
    await fullPath.start();

    // Warm-up: the groups join and get their partitions, connections open, metadata is fetched.
    const rawWarmUp = sequencesOf(WARM_UP_EVENTS);
    await rawThroughput(raw, rawWarmUp);
    const fullPathWarmUp = sequencesOf(WARM_UP_EVENTS);
    await fullPathThroughput(fullPath, fullPathWarmUp);

    const rawEventsPerSecond = await rawThroughput(raw, sequencesOf(THROUGHPUT_EVENTS));
    const rawEventIdOnlyEventsPerSecond = await rawThroughput(raw, sequencesOf(THROUGHPUT_EVENTS), 'event-id-only');
    const fullPathEventsPerSecond = await fullPathThroughput(fullPath, sequencesOf(THROUGHPUT_EVENTS));
    const batchedWritersEventsPerSecond = await fullPathThroughput(fullPath, sequencesOf(THROUGHPUT_EVENTS), EVENTS_PER_WRITER_TRANSACTION);
    const relayDrainEventsPerSecond = await relayDrainThroughput(fullPath, sequencesOf(THROUGHPUT_EVENTS));
    const halves = await drainHalves(fullPath, sequencesOf(THROUGHPUT_EVENTS));
    const postgresCommitCeiling = await postgresCommitsPerSecond(fullPath, THROUGHPUT_EVENTS);
    const throughputRatio = fullPathEventsPerSecond / rawEventsPerSecond;
    const batchedWritersRatio = batchedWritersEventsPerSecond / rawEventsPerSecond;
    const relayDrainRatio = relayDrainEventsPerSecond / rawEventsPerSecond;
    console.log(`throughput, ${THROUGHPUT_EVENTS} events as fast as they go:`);
    console.log(
      `  raw kafkajs  ${rawEventsPerSecond.toFixed(0)} events/s  (send, batches of ${RAW_BATCH_SIZE}, acks=all -> consume; the relay's records, envelope headers included)`,
    );
    console.log(`               ${rawEventIdOnlyEventsPerSecond.toFixed(0)} events/s  (the same with an event id as the only header)`);
    console.log(
      `  full path    ${fullPathEventsPerSecond.toFixed(0)} events/s  (${WRITERS} writers, one event per transaction: outbox -> relay -> Kafka -> inbox batch effect)`,
    );
    console.log(`  ratio        ${throughputRatio.toFixed(3)} (target >= 0.333)`);
    console.log(
      `  postgres     ${postgresCommitCeiling.toFixed(0)} commits/s  (${WRITERS} writers, one row per transaction, nothing else: the ceiling of one event per transaction; full path / ceiling ${(fullPathEventsPerSecond / postgresCommitCeiling).toFixed(3)})`,
    );
    console.log(
      `  full path    ${batchedWritersEventsPerSecond.toFixed(0)} events/s  (${WRITERS} writers, ${EVENTS_PER_WRITER_TRANSACTION} events per transaction; ratio ${batchedWritersRatio.toFixed(3)})`,
    );
    console.log(
      `  relay drain  ${relayDrainEventsPerSecond.toFixed(0)} events/s  (${THROUGHPUT_EVENTS} events waiting in the outbox -> relay -> Kafka -> inbox batch effect; ratio ${relayDrainRatio.toFixed(3)})`,
    );
    console.log(
      `    one half at a time: relay alone ${halves.relayAlone.toFixed(0)} events/s (outbox -> Kafka), consumer alone ${halves.consumerAlone.toFixed(0)} events/s (Kafka -> inbox batch effect)`,
    );

    const latencyEvents = (RATE_PER_SECOND * LATENCY_PHASE_MS) / 1000;
    const rawLatencyPhase = sequencesOf(latencyEvents);
    const rawSlipMs = await atFixedRate(rawLatencyPhase, RATE_PER_SECOND, (sequence) => raw.send({ first: sequence, end: sequence + 1 }));
    await raw.log.lastArrival(rawLatencyPhase, 'raw latency');
    const rawLatency = raw.log.latencies(rawLatencyPhase);
    const fullPathLatencyPhase = sequencesOf(latencyEvents);
    const fullPathSlipMs = await atFixedRate(fullPathLatencyPhase, RATE_PER_SECOND, (sequence) => fullPath.enqueue(sequence));
    await fullPath.log.lastArrival(fullPathLatencyPhase, 'full-path latency');
    const fullPathLatency = fullPath.log.latencies(fullPathLatencyPhase);
    const latencyP99Ratio = fullPathLatency.p99Ms / rawLatency.p99Ms;
    console.log(`latency at ${RATE_PER_SECOND} events/s for ${LATENCY_PHASE_MS / 1000} s, open loop:`);
    console.log(
      `  raw kafkajs  p50 ${rawLatency.p50Ms} ms, p99 ${rawLatency.p99Ms} ms, max ${rawLatency.maxMs} ms  (send -> consumed; schedule slip <= ${rawSlipMs} ms)`,
    );
    console.log(
      `  full path    p50 ${fullPathLatency.p50Ms} ms, p99 ${fullPathLatency.p99Ms} ms, max ${fullPathLatency.maxMs} ms  (commit -> effect committed; schedule slip <= ${fullPathSlipMs} ms)`,
    );
    console.log(
      `  full-path p99 ${fullPathLatency.p99Ms < 100 ? '<' : '>='} 100 ms (target < 100); p99 ratio full path / raw ${latencyP99Ratio.toFixed(1)}`,
    );

    // Every event the full path was given has exactly one effect: the inbox turned duplicates away.
    const effects = await fullPath.effectsApplied();
    const fullPathEvents = WARM_UP_EVENTS + 4 * THROUGHPUT_EVENTS + latencyEvents;
    if (effects !== fullPathEvents) throw new Error(`expected ${fullPathEvents} effects, found ${effects}`);

    console.log(
      JSON.stringify({
        benchmark: 'messaging',
        throughputEvents: THROUGHPUT_EVENTS,
        rawEventsPerSecond: Math.round(rawEventsPerSecond),
        rawEventIdOnlyEventsPerSecond: Math.round(rawEventIdOnlyEventsPerSecond),
        fullPathEventsPerSecond: Math.round(fullPathEventsPerSecond),
        throughputRatio: round(throughputRatio, 3),
        throughputRatioAtLeastOneThird: throughputRatio >= 1 / 3,
        postgresOneRowCommitsPerSecond: Math.round(postgresCommitCeiling),
        fullPathToPostgresCommitsRatio: round(fullPathEventsPerSecond / postgresCommitCeiling, 3),
        eventsPerWriterTransaction: EVENTS_PER_WRITER_TRANSACTION,
        batchedWritersEventsPerSecond: Math.round(batchedWritersEventsPerSecond),
        batchedWritersRatio: round(batchedWritersRatio, 3),
        relayDrainEventsPerSecond: Math.round(relayDrainEventsPerSecond),
        relayDrainRatio: round(relayDrainRatio, 3),
        relayAloneEventsPerSecond: Math.round(halves.relayAlone),
        consumerAloneEventsPerSecond: Math.round(halves.consumerAlone),
        latencyRatePerSecond: RATE_PER_SECOND,
        latencyPhaseSeconds: LATENCY_PHASE_MS / 1000,
        rawLatencyP50Ms: rawLatency.p50Ms,
        rawLatencyP99Ms: rawLatency.p99Ms,
        rawLatencyMaxMs: rawLatency.maxMs,
        fullPathLatencyP50Ms: fullPathLatency.p50Ms,
        fullPathLatencyP99Ms: fullPathLatency.p99Ms,
        fullPathLatencyMaxMs: fullPathLatency.maxMs,
        fullPathLatencyP99Under100Ms: fullPathLatency.p99Ms < 100,
        latencyP99Ratio: round(latencyP99Ratio, 2),
        rawScheduleSlipMs: rawSlipMs,
        fullPathScheduleSlipMs: fullPathSlipMs,
        fullPathEffects: effects,
      }),
    );
  } finally {
    await Promise.allSettled([raw.stop(), fullPath.stop()]);
    await deleteConsumerGroups(kafkaConfig, [rawGroup, fullPathGroup, halvesGroup, ...tierTopics], logger);
    await deleteTopics(kafkaConfig, [rawTopic.name, fullPathTopic.name, halvesTopic.name, ...tierTopics, ...deadLetterTopics], logger);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
