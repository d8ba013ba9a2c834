/**
 * `npx nx run db:bench`: what the router costs, measured against its baseline in one run.
 *
 * 1. Primary-key reads through `DatabaseRouter.read()` (session consistency, no token: the common
 *    case) vs the same statement straight through a bare pg Pool to the same replica, with the
 *    same pool size and concurrency. Phases alternate (bare, router, bare, router) so drift in
 *    the machine's load hits both. The router must keep >= 0.9 of the bare pool's throughput.
 * 2. Read-your-writes: a write, then a session read of it with the write's token, many times
 *    over. Reports the share of those reads the replicas served and the wait they added.
 *
 * Prints figures as it goes and ends with one JSON line holding all of them.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { loadInfrastructureConfig } from '@workshop/config';
import { createLogger, metricsRegistry, runWithConsistencyToken } from '@workshop/observability';
import { DatabaseRouter } from '../lib/database-router';

const ROWS = 10_000;
const CONCURRENCY = 16;
const POOL_SIZE = 8;
const PHASE_MS = 4_000;
const SESSION_ITERATIONS = 2_000;
const SESSION_CONCURRENCY = 8;

const { postgres } = loadInfrastructureConfig();
const replicaUrl = postgres.replicaUrls[0];
const table = `bench_${randomUUID().slice(0, 8)}.items`;

async function main(): Promise<void> {
  if (replicaUrl === undefined) throw new Error('the benchmark needs a replica (DATABASE_REPLICA_URLS)');
  const logger = createLogger('db-bench', 'warn');
  const router = new DatabaseRouter(
    { primaryUrl: postgres.primaryUrl, replicaUrls: [replicaUrl], applicationName: 'db-bench', poolSize: POOL_SIZE },
    logger,
  );
  const bare = new Pool({ connectionString: replicaUrl, max: POOL_SIZE, application_name: 'db-bench-bare' });
  const schema = table.split('.')[0] ?? '';
  try {
    await router.query(`CREATE SCHEMA ${schema}`);
    await router.query(`CREATE TABLE ${table} (id int PRIMARY KEY, label text NOT NULL)`);
    await router.query(`INSERT INTO ${table} SELECT n, 'item ' || n FROM generate_series(1, $1) AS n`, [ROWS]);
    await waitForReplica(bare);

    const sql = `SELECT id, label FROM ${table} WHERE id = $1`;
    const randomId = () => 1 + Math.floor(Math.random() * ROWS);
    const bareRead = () => bare.query(sql, [randomId()]);
    const routerRead = () => router.read(sql, [randomId()]);
    // Warm both: connections open, statements planned.
    await throughput(bareRead, 500);
    await throughput(routerRead, 500);
    const bareRuns = [await throughput(bareRead, PHASE_MS)];
    const routerRuns = [await throughput(routerRead, PHASE_MS)];
    bareRuns.push(await throughput(bareRead, PHASE_MS));
    routerRuns.push(await throughput(routerRead, PHASE_MS));
    const bareOpsPerSecond = average(bareRuns);
    const routerOpsPerSecond = average(routerRuns);
    const throughputRatio = routerOpsPerSecond / bareOpsPerSecond;
    console.log(`primary-key reads, ${CONCURRENCY} concurrent, pool ${POOL_SIZE}, same replica:`);
    console.log(`  bare pg Pool  ${bareOpsPerSecond.toFixed(0)} reads/s  (runs: ${bareRuns.map((run) => run.toFixed(0)).join(', ')})`);
    console.log(`  router        ${routerOpsPerSecond.toFixed(0)} reads/s  (runs: ${routerRuns.map((run) => run.toFixed(0)).join(', ')})`);
    console.log(`  ratio         ${throughputRatio.toFixed(3)} (must be >= 0.9)`);

    const session = await sessionReadsAfterWrites(router, table);
    console.log(`read-your-writes: ${SESSION_ITERATIONS} x (UPDATE, then session read with its token), ${SESSION_CONCURRENCY} concurrent:`);
    console.log(`  served by the replica  ${(session.replicaShare * 100).toFixed(1)}%`);
    console.log(`  session read latency   p50 ${session.readP50Ms.toFixed(2)} ms, p99 ${session.readP99Ms.toFixed(2)} ms`);
    console.log(`  added wait             p99 <= ${session.waitP99UpperBoundMs} ms (histogram bucket)`);
    console.log(`  replica read latency   p50 ${session.plainReadP50Ms.toFixed(2)} ms (no token, for comparison)`);

    console.log(
      JSON.stringify({
        benchmark: 'db-router',
        bareOpsPerSecond: Math.round(bareOpsPerSecond),
        routerOpsPerSecond: Math.round(routerOpsPerSecond),
        throughputRatio: Number(throughputRatio.toFixed(3)),
        throughputRatioAtLeast0_9: throughputRatio >= 0.9,
        sessionReadsReplicaShare: Number(session.replicaShare.toFixed(3)),
        sessionReadP50Ms: Number(session.readP50Ms.toFixed(2)),
        sessionReadP99Ms: Number(session.readP99Ms.toFixed(2)),
        sessionWaitP99UpperBoundMs: session.waitP99UpperBoundMs,
        plainReplicaReadP50Ms: Number(session.plainReadP50Ms.toFixed(2)),
      }),
    );
  } finally {
    await router.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await Promise.all([router.close(), bare.end()]);
  }
}

/** Reads per second with CONCURRENCY workers for `durationMs`. */
async function throughput(read: () => Promise<unknown>, durationMs: number): Promise<number> {
  let completed = 0;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      await read();
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return completed / ((performance.now() - startedAt) / 1000);
}

async function sessionReadsAfterWrites(router: DatabaseRouter, items: string) {
  const replicaNode = new URL(replicaUrl ?? '').host;
  const before = await counter('db_queries_total', { node: replicaNode, kind: 'session' });
  const waitBefore = await histogramBuckets('db_session_read_wait_seconds');
  const readLatencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < SESSION_ITERATIONS) {
      next += 1;
      const id = 1 + (next % ROWS);
      await runWithConsistencyToken(undefined, async () => {
        await router.query(`UPDATE ${items} SET label = $2 WHERE id = $1`, [id, `v${next}`]);
        const startedAt = performance.now();
        await router.read(`SELECT label FROM ${items} WHERE id = $1`, [id]);
        readLatencies.push(performance.now() - startedAt);
      });
    }
  };
  await Promise.all(Array.from({ length: SESSION_CONCURRENCY }, worker));
  const servedByReplica = (await counter('db_queries_total', { node: replicaNode, kind: 'session' })) - before;
  const waitAfter = await histogramBuckets('db_session_read_wait_seconds');

  const plain: number[] = [];
  for (let read = 0; read < 500; read += 1) {
    const startedAt = performance.now();
    await router.read(`SELECT label FROM ${items} WHERE id = $1`, [1 + read]);
    plain.push(performance.now() - startedAt);
  }
  return {
    replicaShare: servedByReplica / SESSION_ITERATIONS,
    readP50Ms: percentile(readLatencies, 0.5),
    readP99Ms: percentile(readLatencies, 0.99),
    waitP99UpperBoundMs: bucketPercentile(waitBefore, waitAfter, 0.99) * 1000,
    plainReadP50Ms: percentile(plain, 0.5),
  };
}

async function waitForReplica(replica: Pool): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = await replica.query(`SELECT count(*) AS rows FROM ${table}`).catch(() => undefined);
    if (Number(found?.rows[0]?.rows ?? 0) === ROWS) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the replica did not receive the benchmark table within 30 s');
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  const match = metric?.values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return match?.value ?? 0;
}

/** Cumulative bucket counts of a histogram, by upper bound (seconds). */
async function histogramBuckets(name: string): Promise<Map<number, number>> {
  const metric = await metricsRegistry.getSingleMetric(name)?.get();
  const buckets = new Map<number, number>();
  for (const value of metric?.values ?? []) {
    const bound = value.labels['le'];
    if ((value as { metricName?: string }).metricName === `${name}_bucket` && bound !== undefined)
      buckets.set(bound === '+Inf' ? Infinity : Number(bound), value.value);
  }
  return buckets;
}

/** The smallest bucket bound under which `quantile` of the observations made between two snapshots fall. */
function bucketPercentile(before: Map<number, number>, after: Map<number, number>, quantile: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total === 0) return 0;
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= quantile * total) return bound;
  }
  return Number.POSITIVE_INFINITY;
}

function percentile(values: readonly number[], quantile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
}

function average(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
