import { randomUUID } from 'node:crypto';
import { loadInfrastructureConfig } from '@workshop/config';
import { createLogger, metricsRegistry } from '@workshop/observability';
import { DatabaseRouter } from './database-router';
import { type DatabaseConfig } from './database.types';

/** Where a statement ran, asked of the server itself. */
const WHICH_SERVER = 'SELECT inet_server_port() AS port, pg_is_in_recovery() AS on_replica';
interface ServerIdentity {
  port: number;
  on_replica: boolean;
}

/** An address that refuses connections at once: nothing listens on port 1. */
const DEAD_REPLICA_URL = 'postgres://workshop:workshop@127.0.0.1:1/workshop';

const infrastructure = loadInfrastructureConfig();
const primaryUrl = infrastructure.postgres.primaryUrl;
const replicaUrl = infrastructure.postgres.replicaUrls[0];
const primaryPort = Number(new URL(primaryUrl).port);
const replicaPort = Number(new URL(replicaUrl).port);
const runId = randomUUID().slice(0, 8);
const logger = createLogger('db-integration-test', 'silent');

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = metricsRegistry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return match?.value ?? 0;
}

describe('DatabaseRouter against the real primary and replica', () => {
  const routers: DatabaseRouter[] = [];
  const createRouter = (overrides: Partial<DatabaseConfig> = {}): DatabaseRouter => {
    const router = new DatabaseRouter(
      { primaryUrl, replicaUrls: [replicaUrl], applicationName: `db-it-${runId}`, poolSize: 2, ...overrides },
      logger,
    );
    routers.push(router);
    return router;
  };
  let router: DatabaseRouter;
  const schema = `db_router_it_${runId}`;

  beforeAll(async () => {
    router = createRouter();
    await router.query(`CREATE SCHEMA ${schema}`);
    await router.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, label text NOT NULL)`);
  });

  afterAll(async () => {
    await router.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await Promise.all(routers.map((each) => each.close()));
  });

  describe('routing', () => {
    it('query() runs on the primary', async () => {
      const { rows } = await router.query<ServerIdentity>(WHICH_SERVER);
      expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
    });

    it('read() runs on the replica and is counted as a replica read', async () => {
      const before = await counterValue('db_queries_total', { node: 'replica', kind: 'read' });
      const { rows } = await router.read<ServerIdentity>(WHICH_SERVER);
      expect(rows).toEqual([{ port: replicaPort, on_replica: true }]);
      expect(await counterValue('db_queries_total', { node: 'replica', kind: 'read' })).toBe(before + 1);
    });

    it('read() with no replicas configured runs on the primary', async () => {
      const primaryOnly = createRouter({ replicaUrls: [] });
      const { rows } = await primaryOnly.read<ServerIdentity>(WHICH_SERVER);
      expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
    });

    it('every connection carries the application name and statement timeout', async () => {
      const configured = createRouter({ applicationName: `db-it-settings-${runId}`, statementTimeoutMs: 1234 });
      const settings =
        "SELECT current_setting('application_name') AS application_name, current_setting('statement_timeout') AS statement_timeout";
      const expected = [{ application_name: `db-it-settings-${runId}`, statement_timeout: '1234ms' }];
      expect((await configured.query(settings)).rows).toEqual(expected);
      expect((await configured.read(settings)).rows).toEqual(expected);
    });
  });

  describe('replica fallback', () => {
    it('falls back to the primary when the replica refuses connections, and counts it', async () => {
      const withDeadReplica = createRouter({ replicaUrls: [DEAD_REPLICA_URL] });
      const before = await counterValue('db_replica_fallbacks_total', { reason: 'connection_error' });

      const { rows } = await withDeadReplica.read<ServerIdentity>(WHICH_SERVER);

      expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
      expect(await counterValue('db_replica_fallbacks_total', { reason: 'connection_error' })).toBe(before + 1);
    });

    it('round-robins over replicas, falling back only for the dead one', async () => {
      const mixed = createRouter({ replicaUrls: [replicaUrl, DEAD_REPLICA_URL] });
      const before = await counterValue('db_replica_fallbacks_total', { reason: 'connection_error' });

      const first = await mixed.read<ServerIdentity>(WHICH_SERVER);
      const second = await mixed.read<ServerIdentity>(WHICH_SERVER);
      const third = await mixed.read<ServerIdentity>(WHICH_SERVER);

      expect([first, second, third].map(({ rows }) => rows[0].on_replica)).toEqual([true, false, true]);
      expect(await counterValue('db_replica_fallbacks_total', { reason: 'connection_error' })).toBe(before + 1);
    });

    it('does not fall back on an SQL error: the replica error reaches the caller', async () => {
      const before = await counterValue('db_replica_fallbacks_total', { reason: 'connection_error' });
      await expect(router.read(`SELECT * FROM no_such_table_${runId}`)).rejects.toMatchObject({ code: '42P01' });
      // A write sent to read() fails on the read-only standby rather than silently reaching the primary.
      await expect(router.read(`CREATE TABLE read_is_not_for_writes_${runId} (id int)`)).rejects.toMatchObject({ code: '25006' });
      expect(await counterValue('db_replica_fallbacks_total', { reason: 'connection_error' })).toBe(before);
    });

    it('falls back when the replica hits the statement timeout, and the primary may time out too', async () => {
      const impatient = createRouter({ statementTimeoutMs: 100 });
      const before = await counterValue('db_replica_fallbacks_total', { reason: 'statement_timeout' });
      await expect(impatient.read('SELECT pg_sleep(1)')).rejects.toMatchObject({ code: '57014' });
      expect(await counterValue('db_replica_fallbacks_total', { reason: 'statement_timeout' })).toBe(before + 1);
    });
  });

  describe('transaction()', () => {
    it('commits on the primary when the work resolves', async () => {
      const identity = await router.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${schema}.items (id, label) VALUES ($1, $2)`, [1, 'committed']);
        return (await tx.query<ServerIdentity>(WHICH_SERVER)).rows[0];
      });
      expect(identity).toEqual({ port: primaryPort, on_replica: false });
      expect((await router.query(`SELECT label FROM ${schema}.items WHERE id = 1`)).rows).toEqual([{ label: 'committed' }]);
    });

    it('rolls back and rethrows the original error when the work throws', async () => {
      const failure = new Error('work failed after its insert');
      await expect(
        router.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${schema}.items (id, label) VALUES ($1, $2)`, [2, 'rolled back']);
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect((await router.query(`SELECT * FROM ${schema}.items WHERE id = 2`)).rowCount).toBe(0);
    });

    it('rolls back when a statement fails, and the connection goes back to the pool usable', async () => {
      const small = createRouter({ poolSize: 1 });
      await expect(small.transaction((tx) => tx.query('SELECT 1 / 0'))).rejects.toMatchObject({ code: '22012' });
      // With one connection in the pool, this only works if it was released clean (not left in a failed transaction).
      expect((await small.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))).rows).toEqual([{ one: 1 }]);
    });

    it('refuses the transaction executor once the transaction has ended', async () => {
      const leaked = await router.transaction((tx) => Promise.resolve(tx));
      await expect(leaked.query('SELECT 1')).rejects.toThrow(/after its transaction ended/);
    });
  });

  describe('listen()', () => {
    it('receives NOTIFY payloads on its channel', async () => {
      const channel = `db_it_${runId}_orders`;
      const received: string[] = [];
      const subscription = await router.listen(channel, (payload) => received.push(payload));
      try {
        await router.query('SELECT pg_notify($1, $2)', [channel, 'order-42']);
        await router.query('SELECT pg_notify($1, $2)', [`${channel}_other`, 'not for us']);
        await waitFor(() => received.length >= 1);
        expect(received).toEqual(['order-42']);
      } finally {
        await subscription.close();
      }
    });

    it('reconnects after the connection is killed, signals the gap with an empty payload, and LISTENs again', async () => {
      const channel = `db_it_${runId}_reconnect`;
      const applicationName = `db-it-listen-${runId}`;
      const listening = createRouter({ applicationName });
      const received: string[] = [];
      const subscription = await listening.listen(channel, (payload) => received.push(payload));
      try {
        const { rows } = await router.query<{ terminated: boolean }>(
          `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`,
          [applicationName],
        );
        expect(rows).toEqual([{ terminated: true }]);

        await waitFor(() => received.includes(''));
        await router.query('SELECT pg_notify($1, $2)', [channel, 'after-reconnect']);
        await waitFor(() => received.includes('after-reconnect'));
        expect(received).toEqual(['', 'after-reconnect']);
      } finally {
        await subscription.close();
      }
    });
  });

  describe('type parsing', () => {
    it('returns bigint columns as numbers and numeric as strings', async () => {
      const { rows } = await router.query(
        'SELECT 9007199254740991::bigint AS max_safe, count(*) AS counted, 12345678901234567890.5::numeric AS exact FROM generate_series(1, 3)',
      );
      expect(rows).toEqual([{ max_safe: Number.MAX_SAFE_INTEGER, counted: 3, exact: '12345678901234567890.5' }]);
    });

    it('throws instead of rounding a bigint past Number.MAX_SAFE_INTEGER, on primary and replica', async () => {
      await expect(router.query('SELECT 9007199254740993::bigint AS too_big')).rejects.toThrow(/MAX_SAFE_INTEGER/);
      await expect(router.read('SELECT 9007199254740993::bigint AS too_big')).rejects.toThrow(/MAX_SAFE_INTEGER/);
      // The failure is confined to that result; the connection keeps working.
      expect((await router.query('SELECT 1::bigint AS one')).rows).toEqual([{ one: 1 }]);
    });
  });

  describe('lifecycle', () => {
    it('ping() resolves against a live primary and rejects against a dead one', async () => {
      await expect(router.ping()).resolves.toBeUndefined();
      const deadPrimary = createRouter({ primaryUrl: DEAD_REPLICA_URL, replicaUrls: [] });
      await expect(deadPrimary.ping()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });

    it('close() is idempotent and the router refuses work afterwards', async () => {
      const closing = createRouter();
      await closing.query('SELECT 1');
      await closing.close();
      await closing.close();
      await expect(closing.query('SELECT 1')).rejects.toThrow(/closed/);
      await expect(closing.read('SELECT 1')).rejects.toThrow(/closed/);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
