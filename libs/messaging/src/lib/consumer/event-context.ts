/** Where a consumed event came from, and how often it was tried. */
export interface EventContext {
  /** The topic the event was published to (for a retried event: its original topic, not the retry topic). */
  topic: string;
  /** Partition and offset of this delivery. `offset` is a string because Kafka offsets are 64-bit. */
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  /** The consumer group handling the event; the inbox records events per group. */
  groupId: string;
  /** The `x-event-id` header, when the producer set one (the outbox always does). */
  eventId: string | undefined;
  /** 1 on the first delivery, 2 on the first retry, and so on. */
  attempt: number;
}

export type EventHandler<P> = (payload: P, context: EventContext) => Promise<void>;

/**
 * A handler given several events of one partition at once, in partition order: `contexts[i]`
 * describes `payloads[i]`. It must succeed or fail as a whole (one transaction, e.g.
 * `Inbox.processBatchOnce`): when it throws, each of its events is handled again on its own.
 */
export type EventBatchHandler<P> = (payloads: readonly P[], contexts: readonly EventContext[]) => Promise<void>;
