import { loadInfrastructureConfig } from '@workshop/config';
import { DatabaseRouter, explainQueries, runMigrations } from '@workshop/db';
import { createLogger } from '@workshop/observability';
import { USER_MIGRATIONS, USER_SCHEMA } from './user.migrations';
import { seedUsersForPlans, userMainQueries } from './user.query-plans';

describe("user-service's main queries on seeded data", () => {
  const { postgres } = loadInfrastructureConfig();
  const db = new DatabaseRouter(
    { primaryUrl: postgres.primaryUrl, replicaUrls: [], applicationName: 'user-query-plans-it' },
    createLogger('test', 'silent'),
  );

  afterAll(() => db.close());

  it('use an index, never a sequential scan (and leave no seeded row behind)', async () => {
    await runMigrations(db, { schema: USER_SCHEMA, migrations: USER_MIGRATIONS });
    const plans = await explainQueries(db, { seed: (tx) => seedUsersForPlans(tx, 20_000), queries: userMainQueries });

    expect(plans.map((plan) => plan.name)).toHaveLength(5);
    for (const plan of plans) {
      expect({ query: plan.name, sequentialScans: plan.sequentialScans }).toEqual({ query: plan.name, sequentialScans: [] });
      expect({ query: plan.name, usesIndex: plan.nodeTypes.some((type) => type.includes('Index Scan')) }).toEqual({
        query: plan.name,
        usesIndex: true,
      });
    }
    const { rows } = await db.query<{ seeded: number }>(`SELECT count(*) AS seeded FROM users.users WHERE email LIKE 'seed-%'`);
    expect(rows).toEqual([{ seeded: 0 }]);
  }, 120_000);
});
