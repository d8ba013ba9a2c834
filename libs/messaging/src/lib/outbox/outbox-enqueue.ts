import { type TopicContract } from '@workshop/contracts';
import { type SqlExecutor } from '@workshop/db';
import { currentCorrelationId } from '@workshop/observability';
import { EVENT_ID_HEADER, withCorrelationId } from '../event-headers';
import { outboxChannel, outboxTable } from './outbox-naming';

/** An event to publish once the surrounding transaction commits. */
export interface OutboxEvent<P> {
  /** A UUID naming this event; sent as the `x-event-id` header so consumers can deduplicate. */
  id: string;
  topic: TopicContract<P>;
  key: string;
  payload: P;
  headers?: Record<string, string>;
}

/**
 * Records an event in `schema`'s outbox inside the caller's transaction, so the event exists if
 * and only if the business change it describes was committed. The `OutboxRelay` publishes it
 * afterwards.
 *
 * The payload is encoded now, with the topic's contract, so a bad payload fails the transaction
 * instead of blocking the relay later. The correlation id of the current request (unless the
 * caller set one) and the event id are stored with it and travel to the consumer.
 */
export async function enqueueOutboxEvent<P>(tx: SqlExecutor, schema: string, event: OutboxEvent<P>): Promise<void> {
  const headers = { ...withCorrelationId(event.headers, currentCorrelationId()), [EVENT_ID_HEADER]: event.id };
  await tx.query(`INSERT INTO ${outboxTable(schema)} (id, topic, message_key, payload, headers) VALUES ($1, $2, $3, $4, $5)`, [
    event.id,
    event.topic.name,
    event.key,
    event.topic.encode(event.payload),
    JSON.stringify(headers),
  ]);
  // Delivered on commit, dropped on rollback, and folded into one per transaction however many
  // events it enqueues (Postgres merges identical notifications), so the payload stays empty.
  await tx.query('SELECT pg_notify($1, $2)', [outboxChannel(schema), '']);
}
