import { type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { type TopicContract } from '@workshop/contracts';
import {
  CONSISTENCY_TOKEN_HEADER,
  CORRELATION_ID_HEADER,
  createLogger,
  runWithConsistencyToken,
  runWithCorrelationId,
  type Logger,
} from '@workshop/observability';
import { backoffDelayMs, sleepUnlessAborted, type BackoffPolicy } from './backoff';
import { decodeHeaders } from './event-headers';
import { createKafkaClient } from './kafka/kafka-client';
import { type KafkaConfig } from './kafka/kafka-config';
import { kafkaConsumedTotal, kafkaHandlerDuration } from './messaging-metrics';
import { ensureTopics } from './topic-admin';

/** Where a consumed event came from. `offset` is a string because Kafka offsets are 64-bit. */
export interface EventContext {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
}

export type EventHandler<P> = (payload: P, context: EventContext) => Promise<void>;

/**
 * A handler bound to its topic's decoder. Decoding happens once; the returned function runs the
 * handler and is what a retry calls again.
 */
type Route = (value: Buffer) => (context: EventContext) => Promise<void>;

/**
 * A failing handler is retried in place: 200 ms, 400 ms, ... up to 30 s between attempts. The
 * partition waits meanwhile (its later events must not overtake this one), other partitions go on.
 */
const HANDLER_RETRY: BackoffPolicy = { initialDelayMs: 200, maxDelayMs: 30_000 };

/**
 * How long a retry wait may last before the consumer heartbeats. kafkajs sends heartbeats only
 * when asked, and a member silent for the session timeout (30 s) is evicted from the group.
 */
const HEARTBEAT_SLICE_MS = 1_000;

/** Resolved offsets are committed at least this often during a long batch, and after every batch. */
const AUTO_COMMIT_INTERVAL_MS = 5_000;

/**
 * Consumes typed events as a member of a consumer group: the group's partitions are shared
 * between its members, each partition is processed in order, and the partitions of one fetch are
 * processed concurrently. kafkajs fetches a broker's next batches only once every batch of the
 * current fetch is done, so a handler stuck retrying also delays newer events of the other
 * partitions that broker leads (the ones already fetched go on): the main reason long retries
 * belong on a retry topic rather than in place.
 *
 * Delivery is at least once. An offset is committed only after its handler succeeded, so a crash
 * redelivers the events in flight; a handler that throws is retried in place, with backoff, until
 * it succeeds or the consumer stops. Handlers must therefore be idempotent. A message whose bytes
 * do not decode is logged and skipped: no retry would make it readable.
 *
 * Topics must exist before `start` (see `ensureTopics`): the brokers do not auto-create them.
 */
export class EventConsumer {
  private readonly routes = new Map<string, Route>();
  private readonly subscribedTopics: TopicContract<unknown>[] = [];
  private readonly consumer: Consumer;
  private readonly logger: Logger;
  private readonly groupId: string;
  private readonly partitionsConsumedConcurrently: number;
  private shutdown = new AbortController();
  private started = false;

  constructor(
    private readonly config: KafkaConfig & { groupId: string },
    logger: Logger = createLogger('messaging'),
  ) {
    this.groupId = config.groupId;
    this.logger = logger.child({ component: 'event-consumer', group: config.groupId });
    // One partition per slot: beyond the topics' partition count more slots would sit idle.
    this.partitionsConsumedConcurrently = config.topicPartitions;
    this.consumer = createKafkaClient(config, logger).consumer({ groupId: config.groupId });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.logger.error({ err: event.payload.error, restarting: event.payload.restart }, 'Kafka consumer crashed');
    });
  }

  /** Registers the handler for one topic. Call before `start`; one handler per topic. */
  on<P>(topic: TopicContract<P>, handler: EventHandler<P>): this {
    if (this.started) throw new Error(`EventConsumer(${this.groupId}): register handlers before start()`);
    if (this.routes.has(topic.name)) throw new Error(`EventConsumer(${this.groupId}): topic ${topic.name} already has a handler`);
    this.subscribedTopics.push(topic as TopicContract<unknown>);
    this.routes.set(topic.name, (value) => {
      const payload = topic.decode(value);
      return (context) => handler(payload, context);
    });
    return this;
  }

  /**
   * Joins the group and starts consuming every registered topic in the background. Resolves once
   * consumption has started, not when the group assignment is complete.
   */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.routes.size === 0) throw new Error(`EventConsumer(${this.groupId}): no handlers registered`);
    this.started = true;
    this.shutdown = new AbortController();
    try {
      // The broker does not create topics on first use. A consumer may start before the service
      // that produces to its topics (a fresh machine, a restart in any order), so it creates the
      // ones it reads as well; creation is idempotent and uses the same partition count.
      await ensureTopics(this.config, this.subscribedTopics, this.logger);
      await this.consumer.connect();
      // A group that has never committed starts at the beginning of each topic: events published
      // before the first deployment of a consumer are still handled, not silently skipped.
      await this.consumer.subscribe({ topics: [...this.routes.keys()], fromBeginning: true });
      await this.consumer.run({
        partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
        // Offsets are resolved by hand, one message at a time, only after its handler succeeded.
        eachBatchAutoResolve: false,
        autoCommitInterval: AUTO_COMMIT_INTERVAL_MS,
        eachBatch: (batch) => this.processBatch(batch),
      });
    } catch (error) {
      // A missing topic or an unreachable broker: leave nothing half-started behind.
      this.started = false;
      await this.consumer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stops gracefully: no new fetches, the message in flight finishes (a retry wait is cut short
   * and that message left uncommitted for redelivery), offsets of handled messages are committed,
   * the group is left so its partitions move to other members at once, and the connections close.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.shutdown.abort();
    await this.consumer.disconnect();
  }

  private async processBatch({
    batch,
    resolveOffset,
    heartbeat,
    commitOffsetsIfNecessary,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      // isStale: a rebalance or seek made the rest of this batch someone else's (or obsolete).
      if (!isRunning() || isStale()) return;
      const handled = await this.processMessage(batch.topic, batch.partition, message, heartbeat);
      if (!handled) return;
      resolveOffset(message.offset);
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /** Resolves true once the message is done with (handled or skipped), false if shutdown interrupted its retries. */
  private async processMessage(topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<boolean> {
    const context: EventContext = {
      topic,
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      headers: decodeHeaders(message.headers),
    };
    // Everything below, our own logs and the handler's, carries the producer's correlation id.
    // And its consistency token: the handler's session reads see what the producer had written.
    return runWithCorrelationId(context.headers[CORRELATION_ID_HEADER], () =>
      runWithConsistencyToken(context.headers[CONSISTENCY_TOKEN_HEADER], async () => {
        const invoke = this.decode(context, message.value);
        if (invoke === undefined) return true;
        return this.invokeUntilSuccess(invoke, context, heartbeat);
      }),
    );
  }

  private decode(context: EventContext, value: Buffer | null): ((context: EventContext) => Promise<void>) | undefined {
    const route = this.routes.get(context.topic);
    try {
      if (route === undefined) throw new Error('no handler registered for this topic');
      if (value === null) throw new Error('message has no value');
      return route(value);
    } catch (error) {
      kafkaConsumedTotal.inc({ topic: context.topic, group: this.groupId, result: 'undecodable' });
      this.logger.error(
        { err: error, topic: context.topic, partition: context.partition, offset: context.offset },
        'skipping a Kafka message that cannot be decoded',
      );
      return undefined;
    }
  }

  private async invokeUntilSuccess(
    invoke: (context: EventContext) => Promise<void>,
    context: EventContext,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const labels = { topic: context.topic, group: this.groupId };
    for (let attempt = 1; ; attempt++) {
      const stopTimer = kafkaHandlerDuration.startTimer(labels);
      try {
        await invoke(context);
        stopTimer();
        kafkaConsumedTotal.inc({ ...labels, result: 'ok' });
        return true;
      } catch (error) {
        stopTimer();
        kafkaConsumedTotal.inc({ ...labels, result: 'retried' });
        const retryInMs = backoffDelayMs(attempt, HANDLER_RETRY);
        this.logger.warn(
          { err: error, topic: context.topic, partition: context.partition, offset: context.offset, attempt, retryInMs },
          'event handler failed; retrying in place',
        );
        if (!(await this.waitBeforeRetry(retryInMs, heartbeat))) return false;
      }
    }
  }

  /** Waits out a retry delay while keeping the group membership alive. False if shutdown began. */
  private async waitBeforeRetry(delayMs: number, heartbeat: () => Promise<void>): Promise<boolean> {
    const signal = this.shutdown.signal;
    const deadline = Date.now() + delayMs;
    for (let remaining = delayMs; remaining > 0 && !signal.aborted; remaining = deadline - Date.now()) {
      await sleepUnlessAborted(Math.min(remaining, HEARTBEAT_SLICE_MS), signal);
      // Throws when the group is rebalancing; kafkajs then rejoins and this message, still
      // uncommitted, is redelivered to whichever member owns its partition next.
      if (!signal.aborted) await heartbeat();
    }
    return !signal.aborted;
  }
}
