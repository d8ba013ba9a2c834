/**
 * `npx nx run order-service:explain`: prints EXPLAIN (ANALYZE, BUFFERS) of order-service's main
 * reads on freshly seeded data (2,000 buyers with 10 orders each), all inside a transaction that
 * is rolled back. Read it after changing a query or an index: each plan should use an index.
 */
import { backendConnections } from '@workshop/config';
import { DatabaseRouter, explainQueries, formatQueryPlans, runMigrations } from '@workshop/db';
import { createLogger } from '@workshop/observability';
import { ORDER_MIGRATIONS, ORDER_SCHEMA, orderMainQueries, seedOrdersForPlans } from '@workshop/order-feature';
import { loadOrderServiceConfig } from './order-service.config';

async function main(): Promise<void> {
  const config = loadOrderServiceConfig();
  const db = new DatabaseRouter(backendConnections(config, 'order-service:explain').database, createLogger('explain', 'warn'));
  try {
    await runMigrations(db, { schema: ORDER_SCHEMA, migrations: ORDER_MIGRATIONS });
    const plans = await explainQueries(db, {
      seed: (tx) => seedOrdersForPlans(tx, { users: 2_000, ordersPerUser: 10 }),
      queries: orderMainQueries,
    });
    console.log(formatQueryPlans(plans));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
