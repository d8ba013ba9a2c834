import type { Migration } from '@workshop/db';
import {
  inboxMigration,
  outboxDeleteOnPublishMigration,
  outboxKeyOrderMigration,
  outboxMigration,
  outboxRejectedMigration,
} from '@workshop/messaging';

/** order-service owns the `orders` schema; no other service reads or writes it. */
export const ORDER_SCHEMA = 'orders';

export const ORDER_MIGRATIONS: readonly Migration[] = [
  {
    id: '001-create-orders',
    sql: `
      CREATE TABLE orders.orders (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        status text NOT NULL,
        -- Lines are always read and written with their order, never queried on their own.
        lines jsonb NOT NULL,
        total_minor bigint NOT NULL,
        currency_code char(3) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- ListOrdersByUser walks one user's orders newest first by (created_at, id).
      CREATE INDEX orders_user_created_at_id ON orders.orders (user_id, created_at DESC, id DESC);
    `,
  },
  outboxMigration(ORDER_SCHEMA),
  {
    id: '002-millisecond-created-at',
    sql: `
      -- Page tokens carry created_at as a JavaScript Date (milliseconds); see the users schema's
      -- migration of the same name: without this, a page could repeat the last order of the previous one.
      ALTER TABLE orders.orders ALTER COLUMN created_at TYPE timestamptz(3);
    `,
  },
  outboxKeyOrderMigration(ORDER_SCHEMA),
  {
    id: '003-order-saga',
    sql: `
      -- Why an order was rejected (the credit step's reason); null for every other status.
      ALTER TABLE orders.orders ADD COLUMN status_reason text;
      -- Every step of an order's saga, in the order they happened: GetOrderHistory reads it.
      CREATE TABLE orders.order_history (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders.orders (id),
        step text NOT NULL,
        status text NOT NULL,
        detail text NOT NULL DEFAULT '',
        occurred_at timestamptz(3) NOT NULL
      );
      CREATE INDEX order_history_order_occurred ON orders.order_history (order_id, occurred_at, id);
    `,
  },
  // The saga's consumer records the credit events it applied here, with their effects.
  inboxMigration(ORDER_SCHEMA),
  outboxDeleteOnPublishMigration(ORDER_SCHEMA),
  outboxRejectedMigration(ORDER_SCHEMA),
];
