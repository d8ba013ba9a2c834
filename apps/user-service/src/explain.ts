/**
 * `npx nx run user-service:explain`: prints EXPLAIN (ANALYZE, BUFFERS) of user-service's main
 * queries on freshly seeded data (20,000 users), all inside a transaction that is rolled back.
 * Read it after changing a query or an index: each plan should be an index scan.
 */
import { backendConnections } from '@workshop/config';
import { printQueryPlans } from '@workshop/db';
import { seedUsersForPlans, USER_MIGRATIONS, USER_SCHEMA, userMainQueries } from '@workshop/user-feature';
import { loadUserServiceConfig } from './user-service.config';

printQueryPlans({
  database: backendConnections(loadUserServiceConfig(), 'user-service:explain').database,
  schema: USER_SCHEMA,
  migrations: USER_MIGRATIONS,
  seed: (tx) => seedUsersForPlans(tx, 20_000),
  queries: userMainQueries,
}).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
