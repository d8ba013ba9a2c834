import { type DatabaseRouter, type TransactionExecutor } from '@workshop/db';
import { type EventContext } from '../consumer/event-context';
import { UnprocessableEventError } from '../consumer/unprocessable-event.error';
import { inboxDuplicatesTotal } from '../messaging-metrics';
import { inboxTable } from '../outbox/outbox-naming';

/** What the inbox needs from the database: a transaction on the primary. */
export type InboxDatabase = Pick<DatabaseRouter, 'transaction'>;

export type InboxOutcome<T> = { processed: true; result: T } | { processed: false };

/**
 * What `processBatchOnce` did: `newEvents` are the positions (in the given contexts) of the
 * events processed now, in delivery order; the others were processed before and skipped.
 */
export type InboxBatchOutcome<T> = { processed: true; newEvents: readonly number[]; result: T } | { processed: false };

/**
 * The idempotent-consumer half of exactly-once effects. Kafka delivers at least once (a crash
 * before the offset commit, a rebalance, a relay that published a batch twice), so a handler
 * records the event in `<schema>.inbox` in the same transaction as its effects. The primary key
 * (consumer group, event id) makes the second delivery's insert a no-op: its effects are skipped
 * and its transaction changes nothing. Each group has its own rows, so two services (or two
 * groups of one service) consuming the same event each apply it once.
 */
export class Inbox {
  private readonly table: string;

  constructor(
    private readonly db: InboxDatabase,
    schema: string,
  ) {
    this.table = inboxTable(schema);
  }

  /**
   * Runs `work` in a transaction, unless this group already processed the event. The event is
   * recorded in that same transaction: if `work` throws, neither the effects nor the record stay,
   * and the retry runs `work` again.
   *
   * @throws UnprocessableEventError when the event has no `x-event-id` header (nothing to deduplicate on).
   */
  async processOnce<T>(context: EventContext, work: (tx: TransactionExecutor) => Promise<T>): Promise<InboxOutcome<T>> {
    const eventId = context.eventId;
    if (eventId === undefined) throw new UnprocessableEventError('the event has no x-event-id header: the inbox cannot deduplicate it');
    return this.db.transaction(async (tx): Promise<InboxOutcome<T>> => {
      const recorded = await tx.query(
        `INSERT INTO ${this.table} (consumer_group, event_id, topic) VALUES ($1, $2, $3) ON CONFLICT (consumer_group, event_id) DO NOTHING`,
        [context.groupId, eventId, context.topic],
      );
      if (recorded.rowCount === 0) {
        inboxDuplicatesTotal.inc({ group: context.groupId, topic: context.topic });
        return { processed: false };
      }
      return { processed: true, result: await work(tx) };
    });
  }

  /**
   * The batch form of `processOnce`, for a batch handler (`@HandlesEventBatch`): records every
   * event of the batch in one statement and runs `work` once, in the same transaction, with the
   * positions of the events this group had not processed yet (in order; an event id repeated in
   * the batch counts once, at its first position). One transaction and one commit for the batch:
   * if `work` throws, no event of the batch is recorded and the consumer handles them one by one.
   * `work` is not called when every event was processed before.
   *
   * @throws UnprocessableEventError when an event has no `x-event-id` header; the consumer then
   *   handles the batch one event at a time and dead-letters that one.
   */
  async processBatchOnce<T>(
    contexts: readonly EventContext[],
    work: (tx: TransactionExecutor, newEvents: readonly number[]) => Promise<T>,
  ): Promise<InboxBatchOutcome<T>> {
    const first = contexts[0];
    if (first === undefined) return { processed: false };
    const firstPositionOf = new Map<string, number>();
    const topics: string[] = [];
    for (const [position, context] of contexts.entries()) {
      if (context.eventId === undefined) {
        throw new UnprocessableEventError(
          `the event at offset ${context.offset} has no x-event-id header: the inbox cannot deduplicate it`,
        );
      }
      if (context.groupId !== first.groupId) throw new Error('Inbox.processBatchOnce: the events belong to different consumer groups');
      if (firstPositionOf.has(context.eventId)) continue;
      firstPositionOf.set(context.eventId, position);
      topics.push(context.topic);
    }
    return this.db.transaction(async (tx): Promise<InboxBatchOutcome<T>> => {
      const { rows } = await tx.query<{ event_id: string }>(
        `INSERT INTO ${this.table} (consumer_group, event_id, topic)
         SELECT $1, event_id, topic FROM unnest($2::text[], $3::text[]) AS batch(event_id, topic)
         ON CONFLICT (consumer_group, event_id) DO NOTHING
         RETURNING event_id`,
        [first.groupId, [...firstPositionOf.keys()], topics],
      );
      const duplicates = contexts.length - rows.length;
      if (duplicates > 0) inboxDuplicatesTotal.inc({ group: first.groupId, topic: first.topic }, duplicates);
      if (rows.length === 0) return { processed: false };
      const newEvents = rows.flatMap((row) => firstPositionOf.get(row.event_id) ?? []).sort((a, b) => a - b);
      return { processed: true, newEvents, result: await work(tx, newEvents) };
    });
  }
}
