import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { type TopicContract } from '@workshop/contracts';
import { createLogger, currentCorrelationId, type Logger } from '@workshop/observability';
import { withCorrelationId } from './event-headers';
import { EventsTooLargeError } from './events-too-large.error';
import { createKafkaClient } from './kafka/kafka-client';
import { isRecordTooLargeError } from './kafka/kafka-errors';
import { type KafkaConfig } from './kafka/kafka-config';
import { kafkaPublishDuration } from './messaging-metrics';

/** One event to publish. The key picks the partition, so events with one key stay in order. */
export interface OutgoingEvent<P> {
  key: string;
  payload: P;
  headers?: Record<string, string>;
}

/** An event whose payload is already bytes, as the outbox stores it. */
export interface EncodedEvent {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Kafka's "all in-sync replicas" acknowledgement: a write survives the loss of the leader. */
const ACKS_ALL = -1;

/**
 * Publishes typed events to Kafka. Idempotent producer with acks=all: a retry inside the client
 * after a lost acknowledgement does not write the event twice, and an acknowledged event is on
 * every in-sync replica.
 *
 * Retries inside the client are bounded (kafkajs's default for a plain producer: five, over
 * roughly ten seconds) instead of the idempotent producer's "forever": during an outage
 * `publish` must fail so its caller can decide (the outbox relay keeps its rows and backs off;
 * a request handler reports the error). A bounded retry can, after a timeout, duplicate an event
 * the broker did take; delivery is therefore at least once, which every consumer here tolerates.
 */
export class EventPublisher {
  private readonly newProducer: () => Producer;
  /** The producer in use; a new one replaces it after a failed send (see `publishEncoded`). */
  private producer: Producer;
  /** The connection of `producer`, once asked for. */
  private connection: Promise<void> | undefined;
  private readonly logger: Logger;

  /** `client` is for tests that need a producer they control; by default, one from `config`. */
  constructor(
    config: KafkaConfig,
    logger: Logger = createLogger('messaging'),
    client: Pick<Kafka, 'producer'> = createKafkaClient(config, logger),
  ) {
    this.logger = logger;
    this.newProducer = () =>
      client.producer({
        idempotent: true,
        retry: { retries: 5 },
        // The DefaultPartitioner hashes keys with murmur2 exactly as the Java client does, so a
        // key lands on the same partition whichever client (or a later replacement of this one)
        // publishes it. The LegacyPartitioner of kafkajs 1.x used another hash. Naming it here
        // also silences the warning kafkajs prints when the choice is left implicit.
        createPartitioner: Partitioners.DefaultPartitioner,
      });
    this.producer = this.newProducer();
  }

  /**
   * Connects to the brokers. Optional, as `publish` connects on first use, but calling it at
   * start-up surfaces a wrong broker address before the first request does.
   */
  async connect(): Promise<void> {
    await this.connectedProducer();
  }

  private async connectedProducer(): Promise<Producer> {
    const producer = this.producer;
    if (this.connection === undefined) {
      const connection: Promise<void> = producer.connect().catch((error: unknown) => {
        // Forget the failed attempt so the next publish tries again: Kafka may be back by then.
        if (this.connection === connection) this.connection = undefined;
        throw error;
      });
      this.connection = connection;
    }
    await this.connection;
    return producer;
  }

  /**
   * Publishes events to one topic and resolves once every broker involved acknowledged them.
   * Each event gets the current correlation id as its `x-correlation-id` header unless it
   * carries one already.
   */
  async publish<P>(topic: TopicContract<P>, events: readonly OutgoingEvent<P>[]): Promise<void> {
    const correlationId = currentCorrelationId();
    await this.publishEncoded(
      events.map((event) => ({
        topic: topic.name,
        key: event.key,
        value: topic.encode(event.payload),
        headers: withCorrelationId(event.headers, correlationId),
      })),
    );
  }

  /**
   * Publishes already-encoded events, possibly to several topics, in one request per broker.
   * Headers are sent as given. This is what the outbox relay uses: it forwards the bytes and
   * headers stored when the event was enqueued. Rejects with `EventsTooLargeError` when the broker
   * refuses the records as too large (other partitions of the call may have been written).
   */
  async publishEncoded(events: readonly EncodedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const producer = await this.connectedProducer();
    const byTopic = new Map<string, EncodedEvent[]>();
    for (const event of events) {
      const batch = byTopic.get(event.topic) ?? [];
      batch.push(event);
      byTopic.set(event.topic, batch);
    }
    const stopTimers = [...byTopic.keys()].map((topic) => kafkaPublishDuration.startTimer({ topic }));
    try {
      await producer.sendBatch({
        acks: ACKS_ALL,
        topicMessages: [...byTopic].map(([topic, batch]) => ({
          topic,
          messages: batch.map((event) => ({ key: event.key, value: event.value, headers: event.headers })),
        })),
      });
    } catch (error) {
      this.replaceAfterFailedSend(producer);
      throw isRecordTooLargeError(error) ? new EventsTooLargeError(events.length, { cause: error }) : error;
    } finally {
      for (const stopTimer of stopTimers) stopTimer();
    }
  }

  /**
   * Why a producer is not used again once a send failed: kafkajs rewinds an idempotent
   * producer's sequence numbers when a send fails, and its next send to that partition reuses
   * them. If the failed send had in fact been written (its acknowledgement lost), the broker
   * would take a next batch of the same size for a duplicate of it, acknowledge it and drop it:
   * different events, lost without an error. A new producer gets a new producer id from the
   * broker, so its sequence numbers cannot collide with the failed send's; a retry through it may
   * write the failed events twice, which at-least-once delivery allows.
   */
  private replaceAfterFailedSend(failed: Producer): void {
    // Sends failing together replace the producer once.
    if (this.producer !== failed) return;
    const failedConnection = this.connection;
    this.producer = this.newProducer();
    this.connection = undefined;
    void failedConnection
      ?.then(() => failed.disconnect())
      .catch((error: unknown) => this.logger.debug({ err: error }, 'cannot disconnect a producer replaced after a failed send'));
  }

  /** Waits for sends in flight, then closes the connections. */
  async disconnect(): Promise<void> {
    const producer = this.producer;
    const connection = this.connection;
    this.connection = undefined;
    if (connection === undefined) return;
    // A connection that never came up has nothing to close.
    const connected = await connection.then(
      () => true,
      () => false,
    );
    if (connected) await producer.disconnect();
  }
}
