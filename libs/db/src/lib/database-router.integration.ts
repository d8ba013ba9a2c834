import { randomUUID } from 'node:crypto';
import { loadInfrastructureConfig } from '@workshop/config';
import { pauseReplicaReplay, resumeReplicaReplay, startComponent, stopComponent } from '@workshop/infra';
import { createLogger, metricsRegistry, runWithConsistencyToken } from '@workshop/observability';
import { DatabaseRouter, ReplicaReadInTransactionError } from './database-router';
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
const primaryPort = Number(new URL(primaryUrl).port);
/** This stack's replicas 1 and 2 (replica N listens on the primary's port + N). */
const replicaUrlOf = (number: number) => {
  const url = new URL(primaryUrl);
  url.port = String(primaryPort + number);
  return url.toString();
};
const [replica1Url, replica2Url] = [replicaUrlOf(1), replicaUrlOf(2)];
const [replica1Port, replica2Port] = [primaryPort + 1, primaryPort + 2];
/** The replica the lag and fault tests pause and stop: this checkout's own (WORKSHOP_PORT_OFFSET). */
const LAGGING_REPLICA = 'postgres-replica-2';

const runId = randomUUID().slice(0, 8);
const logger = createLogger('db-integration-test', 'silent');
/** Fast checks, so state changes show within a test's patience. */
const FAST_HEALTH = { pollIntervalMs: 50, retryInitialMs: 100, retryMaxMs: 500 };

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = metricsRegistry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return match?.value ?? 0;
}

describe('DatabaseRouter against the real primary and replicas', () => {
  const routers: DatabaseRouter[] = [];
  const createRouter = (overrides: Partial<DatabaseConfig> = {}): DatabaseRouter => {
    const router = new DatabaseRouter(
      {
        primaryUrl,
        replicaUrls: [replica1Url, replica2Url],
        applicationName: `db-it-${runId}`,
        poolSize: 4,
        replicaHealth: FAST_HEALTH,
        ...overrides,
      },
      logger,
    );
    routers.push(router);
    return router;
  };
  let router: DatabaseRouter;
  const schema = `db_router_it_${runId}`;

  beforeAll(async () => {
    // The second replica is not part of the default stack; starting it is a no-op when it runs.
    await startComponent(LAGGING_REPLICA);
    router = createRouter();
    await router.query(`CREATE SCHEMA ${schema}`);
    await router.query(`CREATE TABLE ${schema}.items (id int PRIMARY KEY, label text NOT NULL)`);
    await router.query(`INSERT INTO ${schema}.items (id, label) VALUES (0, 'seed')`);
  }, 120_000);

  afterAll(async () => {
    // Whatever a failed test left behind, the replica goes back to replaying and running.
    await startComponent(LAGGING_REPLICA);
    await resumeReplicaReplay(LAGGING_REPLICA);
    await router.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await Promise.all(routers.map((each) => each.close()));
  }, 120_000);

  describe('routing rules', () => {
    it('query() runs on the primary', async () => {
      const { rows } = await router.query<ServerIdentity>(WHICH_SERVER);
      expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
    });

    it('read() runs on a replica and is counted against it', async () => {
      const { rows } = await router.read<ServerIdentity>(WHICH_SERVER);
      expect(rows[0]?.on_replica).toBe(true);
      expect([replica1Port, replica2Port]).toContain(rows[0]?.port);
      expect(await metricValue('db_queries_total', { node: `127.0.0.1:${rows[0]?.port}`, kind: 'session' })).toBeGreaterThan(0);
    });

    it('a strong read runs on the primary', async () => {
      const { rows } = await router.read<ServerIdentity>(WHICH_SERVER, [], { consistency: 'strong' });
      expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
    });

    it('SELECT ... FOR UPDATE sent to read() runs on the primary, counted as a locking read', async () => {
      const before = await metricValue('db_replica_fallbacks_total', { reason: 'locking_read' });
      const { rows } = await router.read<ServerIdentity>(`${WHICH_SERVER} FROM ${schema}.items WHERE id = 0 FOR UPDATE`);
      expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
      expect(await metricValue('db_replica_fallbacks_total', { reason: 'locking_read' })).toBe(before + 1);
    });

    it('refuses a replica read inside a transaction, with a message that says what to do', async () => {
      await expect(router.transaction(() => router.read('SELECT 1'))).rejects.toThrow(ReplicaReadInTransactionError);
      await expect(router.transaction(() => router.read('SELECT 1'))).rejects.toThrow(/tx\.query/);
    });

    it('with DB_REPLICA_READS_ENABLED=false, or no replicas, every read runs on the primary', async () => {
      for (const primaryOnly of [createRouter({ replicaReadsEnabled: false }), createRouter({ replicaUrls: [] })]) {
        for (const consistency of ['session', 'bounded', 'eventual'] as const) {
          const { rows } = await primaryOnly.read<ServerIdentity>(WHICH_SERVER, [], { consistency });
          expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
        }
      }
    });

    it('every connection carries the application name and its statement timeout', async () => {
      const configured = createRouter({
        applicationName: `db-it-settings-${runId}`,
        statementTimeoutMs: 1234,
        replicaStatementTimeoutMs: 987,
      });
      const settings =
        "SELECT current_setting('application_name') AS application_name, current_setting('statement_timeout') AS statement_timeout";
      expect((await configured.query(settings)).rows).toEqual([
        { application_name: `db-it-settings-${runId}`, statement_timeout: '1234ms' },
      ]);
      expect((await configured.read(settings)).rows).toEqual([{ application_name: `db-it-settings-${runId}`, statement_timeout: '987ms' }]);
    });
  });

  describe('load balancing', () => {
    const readPorts = async (balanced: DatabaseRouter, reads: number): Promise<Map<number, number>> => {
      const results = await Promise.all(
        Array.from({ length: reads }, () => balanced.read<ServerIdentity>(`${WHICH_SERVER}, pg_sleep(0.02) IS NULL AS slept`)),
      );
      const counts = new Map<number, number>();
      for (const { rows } of results) counts.set(rows[0]!.port, (counts.get(rows[0]!.port) ?? 0) + 1);
      return counts;
    };

    it('spreads concurrent reads over both replicas by least outstanding queries', async () => {
      const counts = await readPorts(createRouter({ replicaPoolSize: 8 }), 24);
      expect(counts.get(replica1Port)).toBeGreaterThan(0);
      expect(counts.get(replica2Port)).toBeGreaterThan(0);
      expect(counts.get(primaryPort)).toBeUndefined();
    });

    it('gives a replica of weight 3 about three times the reads of one of weight 1', async () => {
      const counts = await readPorts(createRouter({ replicaPoolSize: 8, replicaWeights: [3, 1] }), 24);
      expect(counts.get(replica1Port)).toBeGreaterThan(2 * (counts.get(replica2Port) ?? 0));
      expect(counts.get(replica2Port)).toBeGreaterThan(0);
    });
  });

  describe('replica failures', () => {
    it('falls back to the primary when a replica refuses connections, counts it, and takes the replica out', async () => {
      const withDeadReplica = createRouter({ replicaUrls: [replica1Url, DEAD_REPLICA_URL], replicaHealth: { pollIntervalMs: 60_000 } });
      const before = await metricValue('db_replica_fallbacks_total', { reason: 'connection_error' });

      const served = [];
      for (let read = 0; read < 6; read += 1) served.push((await withDeadReplica.read<ServerIdentity>(WHICH_SERVER)).rows[0]!.port);

      // At most one read paid for the dead replica (the first check may have caught it already).
      expect(served.filter((port) => port === primaryPort).length).toBeLessThanOrEqual(1);
      expect(served.filter((port) => port === replica1Port).length).toBeGreaterThanOrEqual(5);
      expect(await metricValue('db_replica_fallbacks_total', { reason: 'connection_error' })).toBeLessThanOrEqual(before + 1);
      expect(withDeadReplica.replicaStatus().find((replica) => replica.node === '127.0.0.1:1')?.state).toBe('down');
    });

    it('does not fall back on an SQL error: the replica error reaches the caller', async () => {
      await expect(router.read(`SELECT * FROM no_such_table_${runId}`)).rejects.toMatchObject({ code: '42P01' });
      // A write sent to read() fails on the read-only standby rather than silently reaching the primary.
      await expect(router.read(`CREATE TABLE read_is_not_for_writes_${runId} (id int)`)).rejects.toMatchObject({ code: '25006' });
    });

    it('falls back when the replica hits the statement timeout, and the primary may time out too', async () => {
      const impatient = createRouter({ statementTimeoutMs: 100 });
      const before = await metricValue('db_replica_fallbacks_total', { reason: 'statement_timeout' });
      // The primary timing out is a dependency too slow to answer: UNAVAILABLE, with the cause kept.
      await expect(impatient.read('SELECT pg_sleep(1)')).rejects.toMatchObject({ code: 'UNAVAILABLE', cause: { code: '57014' } });
      expect(await metricValue('db_replica_fallbacks_total', { reason: 'statement_timeout' })).toBe(before + 1);
    });

    it('detects a "replica" that is not in recovery (promoted) and sends no read to it', async () => {
      const withPromoted = createRouter({ replicaUrls: [primaryUrl] });
      const [status] = await withPromoted.refreshReplicaStatus();
      expect(status?.state).toBe('promoted');
      const { rows } = await withPromoted.read<ServerIdentity>(WHICH_SERVER, [], { consistency: 'eventual' });
      expect(rows).toEqual([{ port: primaryPort, on_replica: false }]);
    });

    it('a replica stopped while reads flow fails no read, and is used again once it is back', async () => {
      const busy = createRouter({ replicaPoolSize: 4 });
      let reading = true;
      const served = new Map<number, number>();
      const failures: unknown[] = [];
      const readLoop = async () => {
        while (reading) {
          try {
            const { rows } = await busy.read<ServerIdentity>(WHICH_SERVER);
            served.set(rows[0]!.port, (served.get(rows[0]!.port) ?? 0) + 1);
          } catch (error) {
            failures.push(error);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      const loops = Array.from({ length: 4 }, readLoop);
      try {
        await stopComponent(LAGGING_REPLICA);
        await waitFor(() => busy.replicaStatus().find((replica) => replica.node.endsWith(`:${replica2Port}`))?.state === 'down');
        served.clear();
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(served.get(replica2Port)).toBeUndefined();

        await startComponent(LAGGING_REPLICA);
        await waitFor(() => busy.replicaStatus().find((replica) => replica.node.endsWith(`:${replica2Port}`))?.state === 'in_read_set');
        served.clear();
        await waitFor(() => (served.get(replica2Port) ?? 0) > 0);
      } finally {
        reading = false;
        await Promise.all(loops);
      }
      expect(failures).toEqual([]);
    }, 120_000);
  });

  describe('consistency with a lagging replica (replay paused)', () => {
    let lagging: DatabaseRouter;
    let nextId = 100;

    beforeAll(async () => {
      lagging = createRouter({ replicaUrls: [replica2Url], replicaHealth: { ...FAST_HEALTH, maxLagMs: 400 } });
      await lagging.refreshReplicaStatus();
    });

    afterEach(async () => {
      await resumeReplicaReplay(LAGGING_REPLICA);
    });

    const insertItem = (db: DatabaseRouter, label: string) => {
      nextId += 1;
      const id = nextId;
      return db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${schema}.items (id, label) VALUES ($1, $2)`, [id, label]);
        return id;
      });
    };
    const readItem = (db: DatabaseRouter, id: number, consistency: 'session' | 'eventual' | 'bounded') =>
      db.read<ServerIdentity & { label: string | null }>(
        `${WHICH_SERVER}, (SELECT label FROM ${schema}.items WHERE id = $1) AS label`,
        [id],
        { consistency },
      );

    it('records the WAL position of each commit as the session token', async () => {
      await runWithConsistencyToken(undefined, async (session) => {
        await insertItem(lagging, 'first');
        const afterTransaction = session.token;
        await lagging.query(`UPDATE ${schema}.items SET label = 'renamed' WHERE id = $1`, [nextId]);
        expect(afterTransaction).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
        expect(session.token).not.toBe(afterTransaction);
        const unchanged = session.token;
        await lagging.query('SELECT 1');
        expect(session.token).toBe(unchanged);
      });
    });

    it('a session read after a write sees it (on the primary), while an eventual read may go to the lagging replica', async () => {
      await pauseReplicaReplay(LAGGING_REPLICA);
      await runWithConsistencyToken(undefined, async () => {
        const id = await insertItem(lagging, 'written while the replica is paused');

        const session = await readItem(lagging, id, 'session');
        expect(session.rows[0]).toMatchObject({ port: primaryPort, label: 'written while the replica is paused' });

        const eventual = await readItem(lagging, id, 'eventual');
        expect(eventual.rows[0]).toMatchObject({ port: replica2Port, on_replica: true, label: null });
      });
    });

    it('a session read waits for a replica that catches up within sessionWaitMs, and reads there', async () => {
      const patient = createRouter({ replicaUrls: [replica2Url], sessionWaitMs: 5_000, replicaHealth: FAST_HEALTH });
      await patient.refreshReplicaStatus();
      await pauseReplicaReplay(LAGGING_REPLICA);
      await runWithConsistencyToken(undefined, async () => {
        const id = await insertItem(patient, 'seen after the wait');
        const resumeSoon = new Promise((resolve) => setTimeout(resolve, 200)).then(() => resumeReplicaReplay(LAGGING_REPLICA));
        const { rows } = await readItem(patient, id, 'session');
        await resumeSoon;
        expect(rows[0]).toMatchObject({ port: replica2Port, on_replica: true, label: 'seen after the wait' });
      });
    });

    it('a token from another request (sent back by a client) is honoured like the request that wrote it', async () => {
      await pauseReplicaReplay(LAGGING_REPLICA);
      const { id, token } = await runWithConsistencyToken(undefined, async (session) => ({
        id: await insertItem(lagging, 'from request one'),
        token: session.token,
      }));
      const { rows } = await runWithConsistencyToken(token, () => readItem(lagging, id, 'session'));
      expect(rows[0]).toMatchObject({ port: primaryPort, label: 'from request one' });
    });

    it('takes a replica beyond the lag limit out of the read set, and puts it back once it has caught up', async () => {
      await pauseReplicaReplay(LAGGING_REPLICA);
      await insertItem(lagging, 'makes the replica lag');
      await waitFor(() => lagging.replicaStatus()[0]?.state === 'lagging');
      const before = await metricValue('db_replica_fallbacks_total', { reason: 'no_eligible_replica' });

      // Out of the read set: even a read without a token goes to the primary; a bounded one too.
      expect((await lagging.read<ServerIdentity>(WHICH_SERVER)).rows[0]?.port).toBe(primaryPort);
      expect((await lagging.read<ServerIdentity>(WHICH_SERVER, [], { consistency: 'bounded', maxLagMs: 200 })).rows[0]?.port).toBe(
        primaryPort,
      );
      expect(await metricValue('db_replica_fallbacks_total', { reason: 'no_eligible_replica' })).toBe(before + 2);
      expect(await metricValue('db_replica_lag_bytes', { replica: `127.0.0.1:${replica2Port}` })).toBeGreaterThan(0);

      await resumeReplicaReplay(LAGGING_REPLICA);
      await waitFor(() => lagging.replicaStatus()[0]?.state === 'in_read_set');
      expect((await lagging.read<ServerIdentity>(WHICH_SERVER)).rows[0]?.port).toBe(replica2Port);
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

    it('hears a transaction that asked with notifyAfterCommit once it has committed, and never one that rolled back', async () => {
      const channel = `db_it_${runId}_after_commit`;
      const table = `db_it_${runId}_after_commit`;
      await router.query(`CREATE TABLE ${table} (id int)`);
      // What each notification finds when it arrives: the committed row must already be visible.
      const rowsSeenOnNotification: number[] = [];
      const subscription = await router.listen(channel, () => {
        void router.query<{ count: number }>(`SELECT count(*)::int AS count FROM ${table}`).then(({ rows }) => {
          rowsSeenOnNotification.push(rows[0]?.count ?? -1);
        });
      });
      try {
        await expect(
          router.transaction(async (tx) => {
            await tx.query(`INSERT INTO ${table} VALUES (1)`);
            tx.notifyAfterCommit(channel);
            throw new Error('changed my mind');
          }),
        ).rejects.toThrow('changed my mind');
        await router.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${table} VALUES (2)`);
          tx.notifyAfterCommit(channel);
          tx.notifyAfterCommit(channel);
        });
        await waitFor(() => rowsSeenOnNotification.length >= 1);
        // Time for a notification of the rolled-back transaction, or a second one, to arrive too.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(rowsSeenOnNotification).toEqual([1]);
      } finally {
        await subscription.close();
        await router.query(`DROP TABLE ${table}`);
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

    it('reports each pool in db_pool_connections', async () => {
      await router.read('SELECT 1');
      expect(await metricValue('db_pool_connections', { node: 'primary', state: 'max' })).toBeGreaterThan(0);
      expect(await metricValue('db_pool_connections', { node: `127.0.0.1:${replica1Port}`, state: 'open' })).toBeGreaterThanOrEqual(0);
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
