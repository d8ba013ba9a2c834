import { loadInfrastructureConfig } from '@workshop/config';
import { DatabaseRouter } from '@workshop/db';
import { createLogger } from '@workshop/observability';

/**
 * Runs `work` with a read-only view of the system's primary database, for end-to-end tests that
 * check what a user cannot see through the API: how many rows an effect left, whether anything
 * happened twice. Only the primary: counts must not depend on replication lag.
 */
export async function withSystemDatabase<T>(
  work: (query: <Row>(sql: string, params?: unknown[]) => Promise<Row[]>) => Promise<T>,
): Promise<T> {
  const { postgres } = loadInfrastructureConfig();
  const db = new DatabaseRouter(
    { primaryUrl: postgres.primaryUrl, replicaUrls: [], applicationName: 'system-e2e', poolSize: 2 },
    createLogger('system-e2e', 'warn'),
  );
  try {
    return await work(async <Row>(sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows as Row[]);
  } finally {
    await db.close();
  }
}
