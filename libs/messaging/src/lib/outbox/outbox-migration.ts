import { type Migration } from '@workshop/db';
import { outboxRejectedTable, outboxTable } from './outbox-naming';

/**
 * The `<schema>.outbox` table, as a migration to list among the service's own (run it with
 * `runMigrations` from `@workshop/db`).
 *
 * Columns beyond the obvious ones:
 * - `sequence` orders the relay's reads. `created_at` cannot: `now()` is the start time of the
 *   inserting transaction, shared by every row it inserts, and a transaction that started first
 *   may insert (and commit) last. The identity value is drawn at insert time, so events of one
 *   aggregate, written under that aggregate's row lock, get increasing sequence numbers.
 * - `headers` holds the correlation id and event id captured when the event was enqueued.
 *
 * The partial index covers only unpublished rows: the relay's query and the backlog count stay
 * as cheap with a million published rows as with none. (Since `outboxDeleteOnPublishMigration`
 * published rows are deleted instead, and the indexes cover the whole table.)
 */
export function outboxMigration(schema: string): Migration {
  const table = outboxTable(schema);
  return {
    id: 'messaging_outbox_v1',
    sql: `
      CREATE TABLE ${table} (
        id uuid PRIMARY KEY,
        sequence bigint GENERATED ALWAYS AS IDENTITY,
        topic text NOT NULL,
        message_key text NOT NULL,
        payload bytea NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz NULL
      );
      CREATE INDEX outbox_unpublished_idx ON ${table} (sequence) WHERE published_at IS NULL;
    `,
  };
}

/**
 * Second outbox migration: an index on the unpublished rows by key, for the relay's ordering
 * check ("does this key have an older unpublished row that another relay holds?"). List it after
 * `outboxMigration` and the service's own migrations of that time.
 */
export function outboxKeyOrderMigration(schema: string): Migration {
  const table = outboxTable(schema);
  return {
    id: 'messaging_outbox_v2_key_order',
    sql: `CREATE INDEX outbox_unpublished_key_idx ON ${table} (message_key, sequence) WHERE published_at IS NULL;`,
  };
}

/**
 * Third outbox migration: the relay deletes a row once Kafka has acknowledged it, instead of
 * stamping `published_at` on it. The table then holds only the backlog: it stays small however
 * long the service runs (marked rows were never removed), and a delete writes no new row version
 * and no index entries where the update wrote both. Kafka is the record of published events from
 * then on, as with Debezium's outbox router. Rows already published are removed; the partial
 * indexes go with the column and come back as plain ones. List it after `outboxKeyOrderMigration`.
 */
export function outboxDeleteOnPublishMigration(schema: string): Migration {
  const table = outboxTable(schema);
  return {
    id: 'messaging_outbox_v3_delete_on_publish',
    sql: `
      DELETE FROM ${table} WHERE published_at IS NOT NULL;
      ALTER TABLE ${table} DROP COLUMN published_at;
      CREATE INDEX outbox_sequence_idx ON ${table} (sequence);
      CREATE INDEX outbox_key_sequence_idx ON ${table} (message_key, sequence);
    `,
  };
}

/**
 * Fourth outbox migration: `<schema>.outbox_rejected`, where the relay moves an event that Kafka
 * refuses as too large even when published alone (it can never be published as it is, and left
 * in the outbox it would fail every batch it is claimed in). The row keeps everything the outbox
 * row had, plus when and why it was refused; an operator fixes the cause (a larger
 * `max.message.bytes` on the topic, a smaller event) and moves it back (libs/messaging README).
 * List it after `outboxDeleteOnPublishMigration`.
 */
export function outboxRejectedMigration(schema: string): Migration {
  return {
    id: 'messaging_outbox_v4_rejected',
    sql: `
      CREATE TABLE ${outboxRejectedTable(schema)} (
        id uuid PRIMARY KEY,
        sequence bigint NOT NULL,
        topic text NOT NULL,
        message_key text NOT NULL,
        payload bytea NOT NULL,
        headers jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        rejected_at timestamptz NOT NULL DEFAULT now(),
        reason text NOT NULL
      );
    `,
  };
}

/**
 * Every outbox migration, in order, for a schema whose migration list starts now (a new service,
 * a test, a benchmark). A service that already released some of them keeps listing them one by
 * one where they were: `runMigrations` refuses a list whose released history was reordered.
 */
export function outboxMigrations(schema: string): Migration[] {
  return [
    outboxMigration(schema),
    outboxKeyOrderMigration(schema),
    outboxDeleteOnPublishMigration(schema),
    outboxRejectedMigration(schema),
  ];
}
