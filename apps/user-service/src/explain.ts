/**
 * `npx nx run user-service:explain`: prints EXPLAIN (ANALYZE, BUFFERS) of user-service's main
 * queries on freshly seeded data (20,000 users), all inside a transaction that is rolled back.
 * Read it after changing a query or an index: each plan should be an index scan.
 */
import { backendConnections } from '@workshop/config';
import { DatabaseRouter, explainQueries, formatQueryPlans, runMigrations } from '@workshop/db';
import { createLogger } from '@workshop/observability';
import { seedUsersForPlans, USER_MIGRATIONS, USER_SCHEMA, userMainQueries } from '@workshop/user-feature';
import { loadUserServiceConfig } from './user-service.config';

async function main(): Promise<void> {
  const config = loadUserServiceConfig();
  const db = new DatabaseRouter(backendConnections(config, 'user-service:explain').database, createLogger('explain', 'warn'));
  try {
    await runMigrations(db, { schema: USER_SCHEMA, migrations: USER_MIGRATIONS });
    const plans = await explainQueries(db, { seed: (tx) => seedUsersForPlans(tx, 20_000), queries: userMainQueries });
    console.log(formatQueryPlans(plans));
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
