import { type DatabaseRouter, type SqlExecutor } from '@workshop/db';
import { type EventContext } from '../consumer/event-context';
import { UnprocessableEventError } from '../consumer/unprocessable-event.error';
import { inboxDuplicatesTotal } from '../messaging-metrics';
import { inboxTable } from '../outbox/outbox-naming';

/** What the inbox needs from the database: a transaction on the primary. */
export type InboxDatabase = Pick<DatabaseRouter, 'transaction'>;

export type InboxOutcome<T> = { processed: true; result: T } | { processed: false };

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
  async processOnce<T>(context: EventContext, work: (tx: SqlExecutor) => Promise<T>): Promise<InboxOutcome<T>> {
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
}
