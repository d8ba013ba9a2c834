import { type TopicContract } from '@workshop/contracts';
import { type TransactionExecutor } from '@workshop/db';
import { currentCorrelationId } from '@workshop/observability';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SCHEMA_VERSION_HEADER, withCorrelationId } from '../event-headers';
import { nextTraceparent, TRACEPARENT_HEADER } from '../trace-context';
import { outboxChannel, outboxTable } from './outbox-naming';

/** An event to publish once the surrounding transaction commits. */
export interface OutboxEvent<P> {
  /** A UUID naming this event; sent as the `x-event-id` header so consumers can deduplicate. */
  id: string;
  topic: TopicContract<P>;
  /** The aggregate the event is about (Debezium's `aggregateid`): it picks the partition, so one aggregate's events stay in order. */
  key: string;
  payload: P;
  /** The `x-event-type` header; defaults to the topic's name. */
  type?: string;
  /** The `x-schema-version` header; defaults to 1. */
  schemaVersion?: number;
  /**
   * Further headers, published as given and winning over the defaults. This is where a service
   * adds what its consumers need to know beyond the payload (a consistency token, a tenant).
   */
  headers?: Record<string, string>;
}

/**
 * Records an event in `schema`'s outbox inside the caller's transaction, so the event exists if
 * and only if the business change it describes was committed. The `OutboxRelay` publishes it
 * afterwards.
 *
 * The payload is encoded now, with the topic's contract, so a bad payload fails the transaction
 * instead of blocking the relay later. The envelope is captured now too: event id, type, schema
 * version, the W3C `traceparent` (continuing the trace of the event being handled, if any) and
 * the correlation id of the current request. They travel to the consumer as Kafka headers.
 */
export async function enqueueOutboxEvent<P>(tx: TransactionExecutor, schema: string, event: OutboxEvent<P>): Promise<void> {
  await enqueueOutboxEvents(tx, schema, [event]);
}

/**
 * `enqueueOutboxEvent` for several events of one topic, in one statement: a transaction that
 * produces many events (a bulk import, one decision per event of a consumed batch) pays one round
 * trip instead of one per event. They are published in the order given, as if enqueued one by one.
 */
export async function enqueueOutboxEvents<P>(tx: TransactionExecutor, schema: string, events: readonly OutboxEvent<P>[]): Promise<void> {
  if (events.length === 0) return;
  const correlationId = currentCorrelationId();
  const rows = events.map((event) => ({
    id: event.id,
    topic: event.topic.name,
    key: event.key,
    payload: event.topic.encode(event.payload),
    headers: JSON.stringify(envelopeHeaders(event, correlationId)),
  }));
  // The sequence is drawn row by row as they are inserted: in the order of the arrays.
  await tx.query(
    `INSERT INTO ${outboxTable(schema)} (id, topic, message_key, payload, headers)
     SELECT id, topic, message_key, payload, headers
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[]) WITH ORDINALITY
            AS event(id, topic, message_key, payload, headers, position)
      ORDER BY position`,
    [
      rows.map((row) => row.id),
      rows.map((row) => row.topic),
      rows.map((row) => row.key),
      rows.map((row) => row.payload),
      rows.map((row) => row.headers),
    ],
  );
  // The relay is told once the transaction commits (never if it rolls back), not by a NOTIFY in
  // the transaction: that would make every enqueueing commit wait for the one before it.
  tx.notifyAfterCommit(outboxChannel(schema));
}

/**
 * The headers an event is stored with, and later published with (the relay adds the consistency
 * token): its envelope, after Debezium's outbox event router.
 */
export function envelopeHeaders(event: OutboxEvent<unknown>, correlationId: string | undefined): Record<string, string> {
  return withCorrelationId(
    {
      [EVENT_TYPE_HEADER]: event.type ?? event.topic.name,
      [SCHEMA_VERSION_HEADER]: String(event.schemaVersion ?? 1),
      [TRACEPARENT_HEADER]: nextTraceparent(),
      ...event.headers,
      [EVENT_ID_HEADER]: event.id,
    },
    correlationId,
  );
}
