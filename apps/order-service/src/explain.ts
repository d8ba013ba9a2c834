/**
 * `npx nx run order-service:explain`: prints EXPLAIN (ANALYZE, BUFFERS) of order-service's main
 * reads on freshly seeded data (2,000 buyers with 10 orders each), all inside a transaction that
 * is rolled back. Read it after changing a query or an index: each plan should use an index.
 */
import { backendConnections } from '@workshop/config';
import { printQueryPlans } from '@workshop/db';
import { ORDER_MIGRATIONS, ORDER_SCHEMA, orderMainQueries, seedOrdersForPlans } from '@workshop/order-feature';
import { loadOrderServiceConfig } from './order-service.config';

printQueryPlans({
  database: backendConnections(loadOrderServiceConfig(), 'order-service:explain').database,
  schema: ORDER_SCHEMA,
  migrations: ORDER_MIGRATIONS,
  seed: (tx) => seedOrdersForPlans(tx, { users: 2_000, ordersPerUser: 10 }),
  queries: orderMainQueries,
}).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
