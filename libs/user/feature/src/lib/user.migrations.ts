import type { Migration } from '@workshop/db';
import {
  inboxMigration,
  outboxDeleteOnPublishMigration,
  outboxKeyOrderMigration,
  outboxMigration,
  outboxRejectedMigration,
} from '@workshop/messaging';

/** user-service owns the `users` schema; no other service reads or writes it. */
export const USER_SCHEMA = 'users';

export const USER_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-create-users',
    sql: `
      CREATE TABLE users.users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- Emails are unique regardless of case: Ada@Example.com and ada@example.com are one person.
      CREATE UNIQUE INDEX users_email_unique ON users.users (lower(email));
      -- Keyset pagination walks users oldest first by (created_at, id).
      CREATE INDEX users_created_at_id ON users.users (created_at, id);
    `,
  },
  {
    id: '002-create-order-statistics',
    sql: `
      -- Per-user, per-currency totals derived from order.placed events.
      CREATE TABLE users.order_statistics (
        user_id uuid NOT NULL,
        currency_code char(3) NOT NULL,
        orders_count bigint NOT NULL,
        total_spent_minor bigint NOT NULL,
        last_order_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, currency_code)
      );
      -- Events already applied, written in the same transaction as their effect: a redelivered
      -- event finds its id here and changes nothing.
      CREATE TABLE users.processed_events (
        event_id uuid PRIMARY KEY,
        processed_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: '003-millisecond-created-at',
    sql: `
      -- Page tokens carry created_at as a JavaScript Date, which has millisecond precision. With
      -- Postgres's microseconds, a token would point just before its own row and the next page
      -- would repeat it. Storing milliseconds makes the token exact.
      ALTER TABLE users.users ALTER COLUMN created_at TYPE timestamptz(3);
    `,
  },
  {
    id: '004-password-hash',
    sql: `
      -- The scrypt hash of the user's password (see password-hasher.ts), never the password.
      -- Users created before passwords existed have none and cannot sign in until they get one.
      ALTER TABLE users.users ADD COLUMN password_hash text;
    `,
  },
  // The messaging lib's inbox (consumer group, event id) replaces processed_events, which
  // deduplicated for one consumer only; its rows are carried over so no event applies twice.
  inboxMigration(USER_SCHEMA),
  {
    id: '005-processed-events-into-inbox',
    sql: `
      INSERT INTO users.inbox (consumer_group, event_id, topic, processed_at)
        SELECT 'user-service.order-statistics', event_id::text, 'order.placed', processed_at FROM users.processed_events
        ON CONFLICT DO NOTHING;
      DROP TABLE users.processed_events;
    `,
  },
  {
    id: '006-credit',
    sql: `
      -- The credit step of the order saga (see credit.repository.ts). The limit applies to each
      -- currency separately; existing users get the default of new ones.
      ALTER TABLE users.users ADD COLUMN credit_limit_minor bigint NOT NULL DEFAULT 1000000
        CHECK (credit_limit_minor >= 0);
      -- One decision per order: RESERVED counts against the limit; REJECTED and RELEASED do not.
      -- A cancellation that arrives before its order.placed leaves a RELEASED row without an
      -- amount, so the late order.placed finds the order already decided and reserves nothing.
      CREATE TABLE users.credit_reservations (
        order_id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('RESERVED', 'REJECTED', 'RELEASED')),
        currency_code char(3),
        amount_minor bigint,
        reason text,
        decided_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status = 'RELEASED' OR (currency_code IS NOT NULL AND amount_minor IS NOT NULL))
      );
      -- Summing a user's reserved credit reads only the reserved rows.
      CREATE INDEX credit_reservations_reserved ON users.credit_reservations (user_id, currency_code)
        WHERE status = 'RESERVED';
    `,
  },
  // user-service publishes the saga's credit events through its own outbox.
  outboxMigration(USER_SCHEMA),
  outboxKeyOrderMigration(USER_SCHEMA),
  outboxDeleteOnPublishMigration(USER_SCHEMA),
  outboxRejectedMigration(USER_SCHEMA),
];
