export { type KafkaConfig } from './lib/kafka/kafka-config';
export { ensureTopics, deleteTopics, deleteConsumerGroups, describeTopicPartitions } from './lib/topic-admin';
export { EventPublisher, type OutgoingEvent, type EncodedEvent } from './lib/event-publisher';
export { EventConsumer, type EventContext, type EventHandler } from './lib/event-consumer';
export { EVENT_ID_HEADER } from './lib/event-headers';
export { outboxMigration } from './lib/outbox/outbox-migration';
export { enqueueOutboxEvent, type OutboxEvent } from './lib/outbox/outbox-enqueue';
export { OutboxRelay, type OutboxRelayOptions, type OutboxDatabase, type OutboxPublisher } from './lib/outbox/outbox-relay';
