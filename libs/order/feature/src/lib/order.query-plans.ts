import { type NamedQuery, type SqlExecutor } from '@workshop/db';
import { ORDER_SQL } from './order.repository';

/** Seeds `orders` rows: `users` buyers with `ordersPerUser` orders each, spread over a year. */
export async function seedOrdersForPlans(tx: SqlExecutor, options: { users: number; ordersPerUser: number }): Promise<void> {
  await tx.query(
    `INSERT INTO orders.orders (id, user_id, status, lines, total_minor, currency_code, created_at)
     SELECT gen_random_uuid(), buyer.id, 'PLACED', '[{"sku":"SEED","quantity":1,"unitPriceMinor":1000}]', 1000, 'EUR',
            now() - ((buyer.n * $2 + o) || ' minutes')::interval
       FROM (SELECT n, gen_random_uuid() AS id FROM generate_series(1, $1) AS n) AS buyer,
            generate_series(1, $2) AS o`,
    [options.users, options.ordersPerUser],
  );
  await tx.query('ANALYZE orders.orders');
}

/** order-service's main reads, with parameters drawn from the seeded rows. */
export async function orderMainQueries(tx: SqlExecutor): Promise<NamedQuery[]> {
  const { rows } = await tx.query<{ id: string; user_id: string; created_at: Date }>(
    `SELECT id, user_id, created_at FROM orders.orders WHERE lines @> '[{"sku":"SEED"}]' LIMIT 1`,
  );
  const sample = rows[0];
  if (sample === undefined) throw new Error('orderMainQueries: seed the orders first');
  return [
    { name: 'GetOrder: order by id', sql: ORDER_SQL.findById, params: [sample.id] },
    { name: "ListOrdersByUser: a user's first page", sql: ORDER_SQL.firstPageByUser, params: [sample.user_id, 21] },
    {
      name: "ListOrdersByUser: a user's later page (keyset)",
      sql: ORDER_SQL.pageByUserAfter,
      params: [sample.user_id, sample.created_at, sample.id, 21],
    },
  ];
}
