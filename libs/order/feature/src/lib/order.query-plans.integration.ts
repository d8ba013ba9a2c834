import { loadInfrastructureConfig } from '@workshop/config';
import { DatabaseRouter, explainQueries, runMigrations } from '@workshop/db';
import { createLogger } from '@workshop/observability';
import { ORDER_MIGRATIONS, ORDER_SCHEMA } from './order.migrations';
import { orderMainQueries, seedOrdersForPlans } from './order.query-plans';

describe("order-service's main reads on seeded data", () => {
  const { postgres } = loadInfrastructureConfig();
  const db = new DatabaseRouter(
    { primaryUrl: postgres.primaryUrl, replicaUrls: [], applicationName: 'order-query-plans-it' },
    createLogger('test', 'silent'),
  );

  afterAll(() => db.close());

  it('use an index, never a sequential scan', async () => {
    await runMigrations(db, { schema: ORDER_SCHEMA, migrations: ORDER_MIGRATIONS });
    const plans = await explainQueries(db, {
      seed: (tx) => seedOrdersForPlans(tx, { users: 2_000, ordersPerUser: 10 }),
      queries: orderMainQueries,
    });

    expect(plans).toHaveLength(3);
    for (const plan of plans) {
      expect({ query: plan.name, sequentialScans: plan.sequentialScans }).toEqual({ query: plan.name, sequentialScans: [] });
      expect({ query: plan.name, usesIndex: plan.nodeTypes.some((type) => type.includes('Index Scan')) }).toEqual({
        query: plan.name,
        usesIndex: true,
      });
    }
  }, 120_000);
});
