import { type Migration } from '@workshop/db';
import { inboxTable } from '../outbox/outbox-naming';

/**
 * The `<schema>.inbox` table, as a migration to list among the service's own. One row per event a
 * consumer group has processed; the primary key is what makes a redelivery a no-op.
 *
 * `event_id` is text rather than uuid: the id comes from another service's header, and a
 * consumer should not reject an event because its producer chose another id format.
 */
export function inboxMigration(schema: string): Migration {
  const table = inboxTable(schema);
  return {
    id: 'messaging_inbox_v1',
    sql: `
      CREATE TABLE ${table} (
        consumer_group text NOT NULL,
        event_id text NOT NULL,
        topic text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, event_id)
      );
    `,
  };
}
