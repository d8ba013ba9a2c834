import { type NamedQuery, type SqlExecutor } from '@workshop/db';
import { USER_SQL } from './user.repository';

/**
 * Seeds `users` rows (and order statistics for each) the way production fills the tables: ids
 * random, creation times spread over a year, so the planner sees realistic sizes and spreads.
 */
export async function seedUsersForPlans(tx: SqlExecutor, users: number): Promise<void> {
  await tx.query(
    `INSERT INTO users.users (id, email, name, created_at)
     SELECT gen_random_uuid(), 'seed-' || n || '@example.com', 'Seed ' || n, now() - (n || ' minutes')::interval
       FROM generate_series(1, $1) AS n`,
    [users],
  );
  await tx.query(
    `INSERT INTO users.order_statistics (user_id, currency_code, orders_count, total_spent_minor, last_order_at)
     SELECT id, 'EUR', 1, 1000, now() FROM users.users WHERE email LIKE 'seed-%'`,
  );
  await tx.query('ANALYZE users.users');
  await tx.query('ANALYZE users.order_statistics');
}

/** user-service's main statements, with parameters drawn from the seeded rows. */
export async function userMainQueries(tx: SqlExecutor): Promise<NamedQuery[]> {
  const { rows } = await tx.query<{ id: string; created_at: Date }>(
    `SELECT id, created_at FROM users.users WHERE email LIKE 'seed-%' ORDER BY created_at LIMIT 1 OFFSET 100`,
  );
  const sample = rows[0];
  if (sample === undefined) throw new Error('userMainQueries: seed the users first');
  return [
    { name: 'GetUser: user by id', sql: USER_SQL.findById, params: [sample.id] },
    { name: 'GetUser: order statistics of a user', sql: USER_SQL.orderStatistics, params: [sample.id] },
    { name: 'ListUsers: first page', sql: USER_SQL.firstPage, params: [51] },
    { name: 'ListUsers: a later page (keyset)', sql: USER_SQL.pageAfter, params: [sample.created_at, sample.id, 51] },
    { name: 'UpdateUser', sql: USER_SQL.update, params: [sample.id, null, 'Renamed'] },
  ];
}
