export { type KafkaConfig } from './lib/kafka/kafka-config';
export {
  ensureTopics,
  ensureTopicsInBackground,
  deleteTopics,
  deleteConsumerGroups,
  describeTopicPartitions,
  partitionEnds,
  type PartitionEnd,
} from './lib/topic-admin';
export { EventPublisher, type OutgoingEvent, type EncodedEvent } from './lib/event-publisher';
export { EventsTooLargeError } from './lib/events-too-large.error';
export { EventConsumer, type EventConsumerConfig, type DeadLetterReason } from './lib/consumer/event-consumer';
export { type EventContext, type EventHandler, type EventBatchHandler } from './lib/consumer/event-context';
export { HandlesEvent, HandlesEventBatch } from './lib/consumer/event-handler.decorator';
export { EventHandlers } from './lib/consumer/event-handlers';
export { runInEventScope } from './lib/consumer/event-scope';
export { UnprocessableEventError } from './lib/consumer/unprocessable-event.error';
export { DEFAULT_RETRY_DELAYS_MS, retryTopology, type RetryTopology } from './lib/consumer/retry-topics';
export {
  ATTEMPTS_HEADER,
  DEAD_LETTER_REASON_HEADER,
  ERROR_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  ORIGINAL_OFFSET_HEADER,
  ORIGINAL_PARTITION_HEADER,
  ORIGINAL_TOPIC_HEADER,
  SCHEMA_VERSION_HEADER,
} from './lib/event-headers';
export { TRACEPARENT_HEADER, traceIdOf } from './lib/trace-context';
export {
  outboxDeleteOnPublishMigration,
  outboxKeyOrderMigration,
  outboxMigration,
  outboxMigrations,
  outboxRejectedMigration,
} from './lib/outbox/outbox-migration';
export { enqueueOutboxEvent, enqueueOutboxEvents, type OutboxEvent } from './lib/outbox/outbox-enqueue';
export { OutboxRelay, type OutboxRelayOptions, type OutboxDatabase, type OutboxPublisher } from './lib/outbox/outbox-relay';
export { Inbox, type InboxDatabase, type InboxOutcome, type InboxBatchOutcome } from './lib/inbox/inbox';
export { inboxMigration } from './lib/inbox/inbox-migration';
export { listDeadLetters, replayDeadLetters, REPLAYED_AT_HEADER, type DeadLetter } from './lib/dead-letters/dead-letters';
