import { type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage } from 'kafkajs';
import { type TopicContract } from '@workshop/contracts';
import {
  CONSISTENCY_TOKEN_HEADER,
  createLogger,
  laterConsistencyToken,
  parseConsistencyToken,
  runWithConsistencyToken,
  runWithCorrelationId,
  type Logger,
} from '@workshop/observability';
import { backoffDelayMs, sleepUnlessAborted, type BackoffPolicy } from '../backoff';
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
import { EventPublisher, type EncodedEvent } from '../event-publisher';
import { createKafkaClient } from '../kafka/kafka-client';
import { type KafkaConfig } from '../kafka/kafka-config';
import {
  kafkaBatchFallbacksTotal,
  kafkaConsumedTotal,
  kafkaConsumerLag,
  kafkaDeadLettersTotal,
  kafkaHandlerDuration,
  kafkaRetriesTotal,
} from '../messaging-metrics';
import { deleteConsumerGroups, ensureTopics, partitionEnds } from '../topic-admin';
import { type EventBatchHandler, type EventContext, type EventHandler } from './event-context';
import { runInEventScope } from './event-scope';
import { declaredEventHandlers } from './event-handler.decorator';
import { DEFAULT_RETRY_DELAYS_MS, passThroughTopic, retryTopology, type RetryTopology } from './retry-topics';
import { UnprocessableEventError } from './unprocessable-event.error';

export interface EventConsumerConfig extends KafkaConfig {
  /** The consumer group: instances sharing it share the partitions. Also names its retry and dead-letter topics. */
  groupId: string;
  /** Delays of the retry tiers (default 1 s, 10 s, 60 s). Empty: a failed event goes straight to the dead-letter topic. */
  retryDelaysMs?: readonly number[];
  /**
   * A group of one instance that wants only what happens while it runs, e.g. to push every event
   * to the clients connected to this instance: give each instance its own `groupId`. It starts at
   * the latest offsets, commits nothing, has no retry or dead-letter topics (a handler that
   * throws is logged and the event dropped: nobody waits for it later), and `stop()` deletes the
   * group. An instance that dies without `stop()` leaves an empty group with no offsets, which
   * the broker removes by itself. Default false: a durable group as described above.
   */
  ephemeral?: boolean;
}

/**
 * Why an event is in the dead-letter topic:
 * - `undecodable`: its bytes are not the topic's message type (or it has none); no retry can read it.
 * - `unprocessable`: the handler threw `UnprocessableEventError` (the event fails validation).
 * - `retries-exhausted`: the handler failed on the first delivery and on every retry tier.
 */
export type DeadLetterReason = 'undecodable' | 'unprocessable' | 'retries-exhausted';

/**
 * A topic's decoder and handler. Every handler is called with arrays; a single-event handler
 * (`on`) is given one event at a time, a batch handler (`onBatch`) up to `MAX_EVENTS_PER_BATCH`.
 */
interface Route {
  decode: (value: Buffer) => unknown;
  handle: EventBatchHandler<unknown>;
  batched: boolean;
}

/** The outcome of one handler attempt that did not succeed. */
interface Failure {
  kind: 'transient' | DeadLetterReason;
  error: unknown;
}

/** Where an event was first consumed from; carried through retries so its dead letter names the origin. */
interface Origin {
  topic: string;
  partition: string;
  offset: string;
}

/**
 * One kafkajs consumer: the main one reads the group's topics, each retry tier has its own. Apart,
 * a tier waiting out its delay never holds up the main topics or another tier (kafkajs fetches
 * a broker's next batches only once the current ones are done, so sharing a consumer would).
 */
interface Stage {
  groupId: string;
  topics: string[];
  /** -1 for the main stage, else the index of the retry tier it consumes. */
  tierIndex: number;
  consumer: Consumer;
}

/**
 * When forwarding a failed event to a retry or dead-letter topic fails (Kafka itself is
 * unavailable), the event is kept and the forward retried in place: 200 ms doubling to 10 s.
 */
const FORWARD_RETRY: BackoffPolicy = { initialDelayMs: 200, maxDelayMs: 10_000 };

/**
 * How long a wait may last before the consumer heartbeats. kafkajs heartbeats only when asked,
 * and a member silent for the session timeout (30 s) is evicted from the group.
 */
const HEARTBEAT_SLICE_MS = 1_000;

/** Resolved offsets are committed at least this often during a long batch, and after every batch. */
const AUTO_COMMIT_INTERVAL_MS = 5_000;

/**
 * The most events one batch handler call is given. A fetch brings up to 1 MB per partition,
 * thousands of small events; one transaction over all of them would hold its locks for long and
 * redo much work when it fails.
 */
const MAX_EVENTS_PER_BATCH = 500;

/** Error messages in headers are cut here: a header is for a person reading a dead letter, not for a stack trace. */
const MAX_ERROR_HEADER_LENGTH = 500;

/** When the first start fails (Kafka unreachable), it is tried again in the background: 1 s doubling to 30 s. */
const START_RETRY: BackoffPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * Consumes typed events as one consumer group, with non-blocking retries and a dead-letter topic.
 *
 * - Handlers are registered with `on(topic, handler)` or `onBatch(topic, handler)`, or, for a
 *   class whose methods carry `@HandlesEvent(topic)` or `@HandlesEventBatch(topic)`, with
 *   `register(instance)`. One `EventConsumer` is one group: it runs one kafkajs consumer for all
 *   of the group's topics, so a slow group never delays another.
 * - Each partition is processed in order, the partitions concurrently (up to `topicPartitions`).
 *   A batch handler is given each partition's fetched events at once (see `onBatch`).
 * - An offset is committed only once its event is done with: handled, or handed to a retry or
 *   dead-letter topic. Delivery is at least once; handlers deduplicate with the `Inbox`.
 * - A handler that throws does not hold up its partition: the event goes to the group's first
 *   retry topic and the partition moves on. A consumer of that topic runs it again once its
 *   delay is over, and passes it on to the next tier if it fails again; after the last tier it
 *   goes to the dead-letter topic. An event that cannot be decoded, or whose handler throws
 *   `UnprocessableEventError`, goes to the dead-letter topic at once. Dead letters carry the
 *   error, the reason, the original topic, partition and offset, and the number of attempts.
 * - The price of not blocking: a retried event is handled after later events of its key.
 *   Handlers whose effects depend on order must tolerate that (see the README's saga).
 *
 * `start()` creates the group's topics if missing. If Kafka is unreachable it keeps trying in
 * the background, so a service starts (and serves requests) while the broker is down.
 */
export class EventConsumer {
  private readonly routes = new Map<string, Route>();
  private readonly subscribedTopics: TopicContract<unknown>[] = [];
  private readonly groupId: string;
  private readonly ephemeral: boolean;
  private readonly topology: RetryTopology;
  private readonly publisher: EventPublisher;
  private readonly logger: Logger;
  private stages: Stage[] = [];
  private shutdown = new AbortController();
  private started = false;
  private running = false;
  private startup: Promise<void> | undefined;
  /** True while the stages are being rebuilt after a crash kafkajs does not recover from. */
  private rebuilding = false;
  /** The partitions of the group's topics this instance owns, as of its last join of the group. */
  private currentAssignment: Record<string, number[]> = {};

  /** `client` is for tests that need to see the consumers this one creates; by default, one from `config`. */
  constructor(
    private readonly config: EventConsumerConfig,
    private readonly parentLogger: Logger = createLogger('messaging'),
    private readonly client: Pick<Kafka, 'consumer'> = createKafkaClient(config, parentLogger),
  ) {
    this.groupId = config.groupId;
    this.ephemeral = config.ephemeral ?? false;
    if (this.ephemeral && config.retryDelaysMs !== undefined && config.retryDelaysMs.length > 0) {
      throw new Error(`EventConsumer(${config.groupId}): an ephemeral group has no retry topics; drop retryDelaysMs`);
    }
    this.topology = retryTopology(config.groupId, this.ephemeral ? [] : (config.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS));
    this.logger = parentLogger.child({ component: 'event-consumer', group: config.groupId });
    this.publisher = new EventPublisher(config, parentLogger);
  }

  /**
   * The topics this group's failed events go to: one per retry tier, then the dead-letter topic.
   * An ephemeral group has none (it creates neither; the names are only reserved).
   */
  get retryTopics(): RetryTopology {
    return this.topology;
  }

  /** Registers the handler for one topic. Call before `start`; one handler per topic. */
  on<P>(topic: TopicContract<P>, handler: EventHandler<P>): this {
    return this.addRoute(topic as TopicContract<unknown>, false, (payloads, contexts) =>
      handler(payloads[0] as P, contexts[0] as EventContext),
    );
  }

  /**
   * Registers a batch handler for one topic: it is given the events of one partition's fetch at
   * once (up to 500), in partition order, and should apply them in one transaction
   * (`Inbox.processBatchOnce`): one commit for the batch instead of one per event. The offsets
   * are committed once it returns. If it throws, the batch's events are handled again one at a
   * time (each a batch of one), so only the events that fail alone go to the retry and
   * dead-letter topics, in the usual way; retried events are always handled one at a time.
   * The handler runs under a fresh correlation id and no trace, since a batch mixes several
   * requests; each context carries its event's headers, and `runInEventScope(context, work)` runs
   * one event's part of the work in that event's correlation id and trace.
   */
  onBatch<P>(topic: TopicContract<P>, handler: EventBatchHandler<P>): this {
    return this.addRoute(topic as TopicContract<unknown>, true, handler as EventBatchHandler<unknown>);
  }

  /** Registers every method of `instance` marked with `@HandlesEvent(topic)` or `@HandlesEventBatch(topic)`. */
  register(instance: object): this {
    const handlers = declaredEventHandlers(instance);
    if (handlers.length === 0) {
      throw new Error(`EventConsumer(${this.groupId}): ${instance.constructor.name} has no @HandlesEvent or @HandlesEventBatch method`);
    }
    for (const declared of handlers) {
      if (declared.batched) this.onBatch(declared.topic, declared.handle);
      else this.on(declared.topic, declared.handle);
    }
    return this;
  }

  private addRoute(topic: TopicContract<unknown>, batched: boolean, handle: EventBatchHandler<unknown>): this {
    if (this.started) throw new Error(`EventConsumer(${this.groupId}): register handlers before start()`);
    if (this.routes.has(topic.name)) throw new Error(`EventConsumer(${this.groupId}): topic ${topic.name} already has a handler`);
    this.subscribedTopics.push(topic);
    this.routes.set(topic.name, { decode: (value) => topic.decode(value), handle, batched });
    return this;
  }

  /**
   * Topic -> partitions this instance consumes, as of its last group join. Instances of one group
   * split the partitions between them; Kafka moves them when an instance comes or goes.
   */
  get assignment(): Readonly<Record<string, readonly number[]>> {
    return this.currentAssignment;
  }

  /** True once every stage has joined its group and is consuming; false while Kafka is unreachable. */
  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Starts consuming in the background. Resolves once consumption has started, or once the first
   * attempt failed (Kafka unreachable) and further attempts continue in the background.
   */
  async start(): Promise<void> {
    if (this.started) return;
    if (this.routes.size === 0) throw new Error(`EventConsumer(${this.groupId}): no handlers registered`);
    this.started = true;
    this.shutdown = new AbortController();
    const firstAttempt = this.startStages();
    this.startup = firstAttempt.catch((error: unknown) => this.keepStarting(error));
    await firstAttempt.catch(() => undefined);
  }

  /**
   * Stops gracefully: no new fetches, the events in flight finish (a wait for a retry delay is
   * cut short and that event left uncommitted for redelivery), offsets of finished events are
   * committed, the group is left so its partitions move to other members at once.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.shutdown.abort();
    await this.startup;
    await Promise.allSettled(this.stages.map((stage) => stage.consumer.disconnect()));
    this.stages = [];
    this.running = false;
    await this.publisher.disconnect();
    if (this.ephemeral) await this.deleteEphemeralGroup();
  }

  /** Leaves nothing behind: the group is this instance's alone and will never be joined again. */
  private async deleteEphemeralGroup(): Promise<void> {
    try {
      await deleteConsumerGroups(this.config, [this.groupId], this.parentLogger);
    } catch (error) {
      // Not fatal: an empty group without offsets is removed by the broker on its own.
      this.logger.warn({ err: error }, 'cannot delete the ephemeral consumer group; the broker will expire it');
    }
  }

  private async keepStarting(firstError: unknown): Promise<void> {
    const signal = this.shutdown.signal;
    let error = firstError;
    for (let attempt = 1; !signal.aborted; attempt++) {
      const retryInMs = backoffDelayMs(attempt, START_RETRY);
      this.logger.warn({ err: error, retryInMs }, 'cannot start consuming (Kafka unreachable?); retrying in the background');
      await sleepUnlessAborted(retryInMs, signal);
      if (signal.aborted) return;
      try {
        await this.startStages();
        this.logger.info('consuming after all');
        return;
      } catch (nextError) {
        error = nextError;
      }
    }
  }

  private async startStages(): Promise<void> {
    const mainTopics = [...this.routes.keys()];
    const stages: Stage[] = [
      { groupId: this.groupId, topics: mainTopics, tierIndex: -1, consumer: this.createConsumer(this.groupId) },
      // An ephemeral group's topology has no tiers.
      ...this.topology.tiers.map((tier, tierIndex) => ({
        // Each tier is its own group: kafkajs's assignor expects every member of a group to read the same topics.
        groupId: tier.topic,
        topics: [tier.topic],
        tierIndex,
        consumer: this.createConsumer(tier.topic),
      })),
    ];
    try {
      // The broker does not create topics on first use, and a consumer may start before the
      // producer of its topics (a fresh machine, a restart in any order): it creates the ones it
      // reads, and its own retry and dead-letter topics.
      const failureTopics = this.ephemeral
        ? []
        : [...this.topology.tiers.map((tier) => passThroughTopic(tier.topic)), passThroughTopic(this.topology.deadLetterTopic)];
      await ensureTopics(this.config, [...this.subscribedTopics, ...failureTopics], this.logger);
      // kafkajs looks the latest offset up at its first fetch, after run() has returned: an event
      // published in between would be skipped. The ends taken now, and sought to once running,
      // pin the start to this moment, so every event published after start() resolves is seen.
      const startAt = this.ephemeral ? await partitionEnds(this.config, mainTopics, this.logger) : [];
      for (const stage of stages) {
        await stage.consumer.connect();
        // A durable group that has never committed starts at the beginning of each topic: events
        // published before the first deployment of a consumer are handled, not skipped. An
        // ephemeral group never commits, so it always starts at the end: what is new.
        await stage.consumer.subscribe({ topics: stage.topics, fromBeginning: !this.ephemeral });
        await stage.consumer.run({
          partitionsConsumedConcurrently: this.config.topicPartitions,
          // Offsets are resolved by hand, one message at a time, once the message is done with.
          eachBatchAutoResolve: false,
          autoCommit: !this.ephemeral,
          autoCommitInterval: AUTO_COMMIT_INTERVAL_MS,
          eachBatch: (batch) => this.processBatch(stage, batch),
        });
      }
      for (const position of startAt) stages[0]?.consumer.seek(position);
    } catch (error) {
      // Leave nothing half-started behind; the next attempt builds fresh consumers.
      await Promise.allSettled(stages.map((stage) => stage.consumer.disconnect()));
      throw error;
    }
    if (this.shutdown.signal.aborted) {
      await Promise.allSettled(stages.map((stage) => stage.consumer.disconnect()));
      return;
    }
    this.stages = stages;
    this.running = true;
  }

  private createConsumer(groupId: string): Consumer {
    const consumer = this.client.consumer({ groupId });
    if (groupId === this.groupId) {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        this.currentAssignment = event.payload.memberAssignment;
        this.logger.info({ assignment: event.payload.memberAssignment }, 'joined the consumer group');
      });
    }
    consumer.on(consumer.events.CRASH, (event) => {
      this.logger.error({ err: event.payload.error, restarting: event.payload.restart, stageGroup: groupId }, 'Kafka consumer crashed');
      if (!event.payload.restart && this.stages.some((stage) => stage.consumer === consumer)) this.rebuildAfterCrash(event.payload.error);
    });
    return consumer;
  }

  /**
   * kafkajs restarts a crashed consumer only after an error it deems retriable; after any other
   * it leaves it stopped, and this group would consume nothing more until the process restarts.
   * (Once, in the Kafka-outage test, a group never rejoined after the broker came back; this is
   * the one way found for that to happen, though the run kept no logs to confirm it.) So the
   * stages are rebuilt here, as at a start-up that found Kafka unreachable: every stage
   * disconnected, then new consumers, retried with backoff until they run or `stop()` is called.
   * All stages, not only the crashed one: the rebuild is rare, and one path keeps it simple.
   */
  private rebuildAfterCrash(error: unknown): void {
    if (this.rebuilding || this.shutdown.signal.aborted) return;
    this.rebuilding = true;
    this.running = false;
    const crashed = this.stages;
    this.stages = [];
    const previousStartup = this.startup;
    this.startup = (async () => {
      await previousStartup;
      await Promise.allSettled(crashed.map((stage) => stage.consumer.disconnect()));
      await this.keepStarting(error);
    })().finally(() => {
      this.rebuilding = false;
    });
  }

  private async processBatch(
    stage: Stage,
    { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }: EachBatchPayload,
  ): Promise<void> {
    const lag = { group: stage.groupId, topic: batch.topic, partition: String(batch.partition) };
    const doneUpTo = async (message: KafkaMessage) => {
      resolveOffset(message.offset);
      kafkaConsumerLag.set(lag, Math.max(0, Number(batch.highWatermark) - Number(message.offset) - 1));
      // kafkajs commits here even with autoCommit off; an ephemeral group must leave no offsets.
      if (!this.ephemeral) await commitOffsetsIfNecessary();
      await heartbeat();
    };
    const route = this.routes.get(batch.topic);
    // A retry tier takes its events one at a time: each waits out its own delay.
    const batchRoute = stage.tierIndex < 0 && route?.batched ? route : undefined;
    const batchSize = batchRoute === undefined ? 1 : MAX_EVENTS_PER_BATCH;
    for (let start = 0; start < batch.messages.length; start += batchSize) {
      // isStale: a rebalance or seek made the rest of this batch someone else's (or obsolete).
      if (!isRunning() || isStale()) return;
      const messages = batch.messages.slice(start, start + batchSize);
      const last = messages[messages.length - 1];
      if (
        batchRoute !== undefined &&
        last !== undefined &&
        messages.length > 1 &&
        (await this.handleAsOneBatch(batchRoute, batch.topic, batch.partition, messages))
      ) {
        await doneUpTo(last);
        continue;
      }
      // One event, or a batch whose handler failed: one at a time, so a failure sends only the
      // event that causes it to the retry or dead-letter topic, and the others are applied.
      for (const message of messages) {
        if (!isRunning() || isStale()) return;
        const done = await this.processMessage(stage, batch.topic, batch.partition, message, heartbeat);
        if (!done) return;
        await doneUpTo(message);
      }
    }
  }

  /**
   * Gives a batch handler several events of one partition in one call. True if it succeeded;
   * false if an event cannot be decoded or the handler threw, and the caller handles the events
   * one at a time. Not a failure of any one event yet, so nothing is counted as failed here.
   */
  private async handleAsOneBatch(route: Route, topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<boolean> {
    const payloads: unknown[] = [];
    const contexts: EventContext[] = [];
    let consistencyToken: string | undefined;
    try {
      for (const message of messages) {
        if (message.value === null) throw new Error('message has no value');
        payloads.push(route.decode(message.value));
        const headers = decodeHeaders(message.headers);
        contexts.push(this.contextOf(topic, partition, message, headers, 1));
        // Reads in the handler must see what every producer of the batch wrote: the latest position covers them all.
        consistencyToken = laterConsistencyToken(consistencyToken, parseConsistencyToken(headers[CONSISTENCY_TOKEN_HEADER]));
      }
    } catch {
      // The undecodable event goes to the dead-letter topic on the one-at-a-time path.
      return false;
    }
    const labels = { topic, group: this.groupId };
    const stopTimer = kafkaHandlerDuration.startTimer(labels);
    try {
      await runWithCorrelationId(undefined, () => runWithConsistencyToken(consistencyToken, () => route.handle(payloads, contexts)));
      kafkaConsumedTotal.inc({ ...labels, result: 'ok' }, messages.length);
      return true;
    } catch (error) {
      kafkaBatchFallbacksTotal.inc(labels);
      this.logger.warn(
        { err: error, topic, partition, fromOffset: messages[0]?.offset, events: messages.length },
        'batch handler failed; handling its events one at a time',
      );
      return false;
    } finally {
      stopTimer();
    }
  }

  /** Resolves true once the message is done with (handled or forwarded), false if shutdown interrupted it. */
  private async processMessage(
    stage: Stage,
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const headers = decodeHeaders(message.headers);
    const isRetry = stage.tierIndex >= 0;
    const origin: Origin = isRetry
      ? {
          topic: headers[ORIGINAL_TOPIC_HEADER] ?? topic,
          partition: headers[ORIGINAL_PARTITION_HEADER] ?? String(partition),
          offset: headers[ORIGINAL_OFFSET_HEADER] ?? message.offset,
        }
      : { topic, partition: String(partition), offset: message.offset };
    if (isRetry && !(await this.waitUntil(Number(headers[RETRY_NOT_BEFORE_HEADER] ?? 0), heartbeat))) return false;

    const previousAttempts = isRetry ? Number.parseInt(headers[ATTEMPTS_HEADER] ?? '0', 10) || 0 : 0;
    const context = this.contextOf(origin.topic, partition, message, headers, previousAttempts + 1);
    // Everything below, our logs and the handler's, carries the producer's correlation id;
    // events the handler enqueues continue the producer's trace; and the handler's session reads
    // see what the producer had written (its consistency token, libs/db).
    return runInEventScope({ headers }, () =>
      runWithConsistencyToken(headers[CONSISTENCY_TOKEN_HEADER], async () => {
        const failure = await this.runHandler(context, message.value);
        if (failure === undefined) return true;
        if (this.ephemeral) {
          this.logger.error(
            { err: failure.error, topic, partition, offset: message.offset, eventId: context.eventId },
            'event handler failed; dropped (an ephemeral group has no retries)',
          );
          return true;
        }
        const forward = this.forwardingOf(failure, stage, context, origin, message);
        return this.publishUntilAccepted(forward, heartbeat);
      }),
    );
  }

  private contextOf(
    topic: string,
    partition: number,
    message: KafkaMessage,
    headers: Record<string, string>,
    attempt: number,
  ): EventContext {
    return {
      topic,
      partition,
      offset: message.offset,
      key: message.key === null ? null : message.key.toString('utf8'),
      headers,
      groupId: this.groupId,
      eventId: headers[EVENT_ID_HEADER],
      attempt,
    };
  }

  /** Runs the handler once, for this one event. Undefined when it succeeded. */
  private async runHandler(context: EventContext, value: Buffer | null): Promise<Failure | undefined> {
    const route = this.routes.get(context.topic);
    let payload: unknown;
    try {
      if (route === undefined) throw new Error(`no handler for topic ${context.topic}`);
      if (value === null) throw new Error('message has no value');
      payload = route.decode(value);
    } catch (error) {
      return { kind: 'undecodable', error };
    }
    const labels = { topic: context.topic, group: this.groupId };
    const stopTimer = kafkaHandlerDuration.startTimer(labels);
    try {
      await route.handle([payload], [context]);
      kafkaConsumedTotal.inc({ ...labels, result: 'ok' });
      return undefined;
    } catch (error) {
      kafkaConsumedTotal.inc({ ...labels, result: 'failed' });
      return { kind: error instanceof UnprocessableEventError ? 'unprocessable' : 'transient', error };
    } finally {
      stopTimer();
    }
  }

  /** The copy of a failed event that goes to the next retry tier, or to the dead-letter topic. */
  private forwardingOf(failure: Failure, stage: Stage, context: EventContext, origin: Origin, message: KafkaMessage): EncodedEvent {
    const nextTier = failure.kind === 'transient' ? this.topology.tiers[stage.tierIndex + 1] : undefined;
    const reason: DeadLetterReason = failure.kind === 'transient' ? 'retries-exhausted' : failure.kind;
    const errorMessage = (failure.error instanceof Error ? failure.error.message : String(failure.error)).slice(0, MAX_ERROR_HEADER_LENGTH);
    const logFields = {
      err: failure.error,
      topic: origin.topic,
      partition: origin.partition,
      offset: origin.offset,
      eventId: context.eventId,
      attempt: context.attempt,
    };
    const headers: Record<string, string> = {
      ...context.headers,
      [ORIGINAL_TOPIC_HEADER]: origin.topic,
      [ORIGINAL_PARTITION_HEADER]: origin.partition,
      [ORIGINAL_OFFSET_HEADER]: origin.offset,
      [ATTEMPTS_HEADER]: String(context.attempt),
      [ERROR_HEADER]: errorMessage,
    };
    if (nextTier !== undefined) {
      kafkaRetriesTotal.inc({ group: this.groupId, topic: origin.topic, retry_topic: nextTier.topic });
      this.logger.warn(
        { ...logFields, retryTopic: nextTier.topic, retryInMs: nextTier.delayMs },
        'event handler failed; scheduled for retry',
      );
      headers[RETRY_NOT_BEFORE_HEADER] = String(Date.now() + nextTier.delayMs);
      delete headers[DEAD_LETTER_REASON_HEADER];
      return { topic: nextTier.topic, key: context.key ?? '', value: message.value ?? Buffer.alloc(0), headers };
    }
    kafkaDeadLettersTotal.inc({ group: this.groupId, topic: origin.topic, reason });
    this.logger.error({ ...logFields, reason, deadLetterTopic: this.topology.deadLetterTopic }, 'event moved to the dead-letter topic');
    headers[DEAD_LETTER_REASON_HEADER] = reason;
    delete headers[RETRY_NOT_BEFORE_HEADER];
    return { topic: this.topology.deadLetterTopic, key: context.key ?? '', value: message.value ?? Buffer.alloc(0), headers };
  }

  /**
   * Publishes a forwarded event, retrying in place while Kafka refuses it: the source offset is
   * committed only after this succeeds, so a failed event is never lost. False if shutdown began.
   */
  private async publishUntilAccepted(event: EncodedEvent, heartbeat: () => Promise<void>): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publishEncoded([event]);
        return true;
      } catch (error) {
        const retryInMs = backoffDelayMs(attempt, FORWARD_RETRY);
        this.logger.warn({ err: error, topic: event.topic, retryInMs }, 'cannot forward a failed event; retrying');
        if (!(await this.waitUntil(Date.now() + retryInMs, heartbeat))) return false;
      }
    }
  }

  /** Waits until `epochMs` while keeping the group membership alive. False if shutdown began. */
  private async waitUntil(epochMs: number, heartbeat: () => Promise<void>): Promise<boolean> {
    const signal = this.shutdown.signal;
    for (let remaining = epochMs - Date.now(); remaining > 0 && !signal.aborted; remaining = epochMs - Date.now()) {
      await sleepUnlessAborted(Math.min(remaining, HEARTBEAT_SLICE_MS), signal);
      // Throws when the group is rebalancing; kafkajs then rejoins and this message, still
      // uncommitted, is redelivered to whichever member owns its partition next.
      if (!signal.aborted) await heartbeat();
    }
    return !signal.aborted;
  }
}
