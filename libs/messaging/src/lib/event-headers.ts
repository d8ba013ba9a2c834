import { CONSISTENCY_TOKEN_HEADER, CORRELATION_ID_HEADER, laterConsistencyToken, parseConsistencyToken } from '@workshop/observability';

/**
 * The header that names one event uniquely, stamped by the outbox. A consumer that must process
 * each event once (rather than tolerate a redelivery) deduplicates on it.
 */
export const EVENT_ID_HEADER = 'x-event-id';

/** Headers as a Kafka record carries them: each value raw bytes or text, possibly repeated. */
export type RawHeaders = Readonly<Record<string, Buffer | string | readonly (Buffer | string)[] | undefined>>;

/**
 * The headers an outgoing event is sent with: the caller's own, plus the correlation id of the
 * work in progress when the caller did not set one, so the consumer's logs join the producer's.
 * An explicit header always wins: a relay forwarding a stored event must not restamp it.
 */
export function withCorrelationId(
  headers: Readonly<Record<string, string>> | undefined,
  correlationId: string | undefined,
): Record<string, string> {
  const result = { ...headers };
  if (result[CORRELATION_ID_HEADER] === undefined && correlationId !== undefined) {
    result[CORRELATION_ID_HEADER] = correlationId;
  }
  return result;
}

/**
 * The headers with the consistency token set to the later of the one they carry and `token`: a
 * position at or past the commit of the event, so the consumer's session reads see the state
 * the event describes (libs/db, read-your-writes by WAL position).
 */
export function withConsistencyToken(headers: Readonly<Record<string, string>>, token: string | undefined): Record<string, string> {
  const later = laterConsistencyToken(parseConsistencyToken(headers[CONSISTENCY_TOKEN_HEADER]), parseConsistencyToken(token));
  return later === undefined ? { ...headers } : { ...headers, [CONSISTENCY_TOKEN_HEADER]: later };
}

/**
 * Kafka headers as plain strings. A header repeated on the record keeps its last value, the
 * same rule the Java client's `lastHeader` applies; headers without a value are dropped.
 */
export function decodeHeaders(raw: RawHeaders | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    headers[name] = typeof last === 'string' ? last : last.toString('utf8');
  }
  return headers;
}

// The envelope of every event the outbox publishes, after Debezium's outbox event router: the
// payload stays the bare protobuf message, and what describes it travels in headers, so a
// consumer can route, deduplicate or reject an event without decoding it.

/** The kind of event, e.g. `order.placed`; by default the name of the topic it was first published to. */
export const EVENT_TYPE_HEADER = 'x-event-type';
/** Version of the payload's schema; a consumer that only knows older versions can refuse newer ones. */
export const SCHEMA_VERSION_HEADER = 'x-schema-version';

// Stamped by the consumer when it moves a failed event to a retry topic or the dead-letter topic.

/** Where the event was first consumed from: a retried or dead-lettered event names its origin. */
export const ORIGINAL_TOPIC_HEADER = 'x-original-topic';
export const ORIGINAL_PARTITION_HEADER = 'x-original-partition';
export const ORIGINAL_OFFSET_HEADER = 'x-original-offset';
/** How many times the handler has run the event and failed. */
export const ATTEMPTS_HEADER = 'x-attempts';
/** The last error's message, cut to a readable length. */
export const ERROR_HEADER = 'x-error';
/** Why the event is in the dead-letter topic: see `DeadLetterReason`. */
export const DEAD_LETTER_REASON_HEADER = 'x-dead-letter-reason';
/** Epoch milliseconds before which a retry topic's consumer must not run the event again. */
export const RETRY_NOT_BEFORE_HEADER = 'x-retry-not-before';
