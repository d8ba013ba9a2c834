import { performance } from 'node:perf_hooks';
import { Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';
import { UnavailableError } from '@workshop/errors';
import {
  ContextSlot,
  createLogger,
  currentConsistencySession,
  lsnToBigInt,
  type ConsistencyToken,
  type Logger,
} from '@workshop/observability';
import { databaseTypeParsers } from './bigint-type-parser';
import {
  DATABASE_DEFAULTS,
  REPLICA_HEALTH_DEFAULTS,
  type DatabaseConfig,
  type DatabaseNotificationSubscription,
  type QueryRows,
  type ReadConsistency,
  type ReadOptions,
  type ReplicaHealthSettings,
  type SqlExecutor,
  type TransactionExecutor,
} from './database.types';
import {
  databaseQueriesTotal,
  databaseQueryDuration,
  PRIMARY_NODE,
  recordReadFallback,
  reportPools,
  sessionReadWait,
  type DatabaseNode,
  type QueryKind,
  type ReadFallbackReason,
} from './database.metrics';
import { CoalescingNotifier } from './coalescing-notifier';
import { NotificationListener } from './notification-listener';
import { classifyReplicaFailure, type ReplicaFallbackReason } from './replica-failure';
import { healthCheckPoolConfig, ReplicaMonitor, ReplicaNode } from './replica-monitor';
import { pickLeastOutstanding, type ReplicaState } from './replica-state';
import { SlowQueryLog } from './slow-query-log';
import { guardConnectionErrors } from './connection-errors';

/**
 * Extra time a replica connection waits past `statement_timeout` before giving up on a silent
 * socket. The server's own timeout should win (it cancels cleanly, with SQLSTATE 57014); this
 * only catches a replica or network that has gone quiet and will never answer, so the read can
 * fall back. The primary has nowhere to fall back to and runs long migrations with the statement
 * timeout lifted, so its connections rely on `statement_timeout` and TCP keepalive alone.
 */
const REPLICA_READ_TIMEOUT_GRACE_MS = 1000;

/** How often a waiting session read looks at a replica's replay position. */
const SESSION_WAIT_STEP_MS = 2;

/** Row locks exist only on the primary: such a "read" is a write in disguise. */
const LOCKING_READ = /\bFOR\s+(UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b/i;

/** Commands that change nothing: after them there is no new write position to record. */
const READ_ONLY_COMMANDS = new Set(['SELECT', 'SHOW', 'EXPLAIN', 'FETCH', 'LISTEN', 'SET']);

/** Replica failures that say the server is gone or refusing work, not that one statement was unlucky. */
const REPLICA_DOWN_REASONS: ReadonlySet<ReplicaFallbackReason> = new Set(['connection_error', 'connection_timeout', 'replica_unavailable']);

/** The router whose transaction the current async context is inside, if any. */
const activeTransaction = new ContextSlot<DatabaseRouter>('databaseTransaction');

/** Thrown by `read()` inside `transaction()`: the transaction's snapshot lives on the primary. */
export class ReplicaReadInTransactionError extends Error {
  constructor() {
    super(
      'db.read() was called inside db.transaction(): a replica cannot see the transaction, and reading outside it breaks its isolation. ' +
        'Run the read through the transaction executor: tx.query(...).',
    );
    this.name = 'ReplicaReadInTransactionError';
  }
}

/** Where a replica stands, as `replicaStatus()` reports it. */
export interface ReplicaStatus {
  node: DatabaseNode;
  state: ReplicaState;
  weight: number;
  lagBytes: number;
  lagMs: number;
  outstanding: number;
  replayedLsn: string | undefined;
}

type ReadRoute = { replica: ReplicaNode } | { fallback: ReadFallbackReason };

/**
 * Routes SQL between a Postgres primary and its streaming read replicas.
 *
 * The rule is explicit at each call site, not inferred from the SQL: `query()` and `transaction()`
 * run on the primary; `read()` is the one way to mark a statement read-only, and names how fresh
 * it must be (`ReadConsistency`). After every write it commits, the router records the primary's
 * WAL position in the current consistency session (libs/observability), and a `session` read is
 * served only by a replica that has replayed that position: read-your-writes, measured rather
 * than guessed. Replica positions are polled in the background, so routing costs no round trip
 * unless a read must wait for a replica to catch up.
 */
export class DatabaseRouter implements SqlExecutor {
  private readonly logger: Logger;
  private readonly primary: { node: DatabaseNode; pool: Pool };
  private readonly replicas: readonly ReplicaNode[];
  private readonly monitor: ReplicaMonitor;
  private readonly listenConnectionConfig: PoolConfig;
  private readonly subscriptions = new Set<NotificationListener>();
  private readonly notifier: CoalescingNotifier;
  private readonly replicaReadsEnabled: boolean;
  private readonly defaultReadConsistency: ReadConsistency;
  private readonly sessionWaitMs: number;
  private readonly boundedMaxLagMs: number;
  private readonly slowQueryLog: SlowQueryLog | undefined;
  private readonly unreportPools: () => void;
  private rotation = 0;
  private closing: Promise<void> | undefined;

  constructor(config: DatabaseConfig, logger?: Logger) {
    this.logger = (logger ?? createLogger('db')).child({ component: 'database-router', applicationName: config.applicationName });
    const settings = connectionSettings(config);
    this.listenConnectionConfig = { ...settings, connectionString: config.primaryUrl };
    this.primary = { node: PRIMARY_NODE, pool: this.createPool(PRIMARY_NODE, { ...settings, connectionString: config.primaryUrl }) };

    const health: ReplicaHealthSettings = { ...REPLICA_HEALTH_DEFAULTS, ...config.replicaHealth };
    const replicaStatementTimeoutMs =
      config.replicaStatementTimeoutMs ?? settings.statement_timeout ?? DATABASE_DEFAULTS.statementTimeoutMs;
    const replicaSettings: PoolConfig = {
      ...settings,
      max: config.replicaPoolSize ?? settings.max,
      statement_timeout: replicaStatementTimeoutMs,
      query_timeout: replicaStatementTimeoutMs + REPLICA_READ_TIMEOUT_GRACE_MS,
    };
    if (config.replicaWeights !== undefined && config.replicaWeights.length !== config.replicaUrls.length) {
      throw new Error(`replicaWeights has ${config.replicaWeights.length} entries for ${config.replicaUrls.length} replicas`);
    }
    this.replicas = config.replicaUrls.map((url, index) =>
      this.createReplica(url, config.replicaWeights?.[index] ?? 1, replicaSettings, health),
    );
    this.monitor = new ReplicaMonitor(this.replicas, this.listenConnectionConfig, health, this.logger);

    this.replicaReadsEnabled = config.replicaReadsEnabled ?? true;
    this.defaultReadConsistency = config.defaultReadConsistency ?? DATABASE_DEFAULTS.defaultReadConsistency;
    this.sessionWaitMs = config.sessionWaitMs ?? DATABASE_DEFAULTS.sessionWaitMs;
    this.boundedMaxLagMs = config.boundedMaxLagMs ?? DATABASE_DEFAULTS.boundedMaxLagMs;
    this.slowQueryLog = config.slowQueryThresholdMs === undefined ? undefined : new SlowQueryLog(config.slowQueryThresholdMs, this.logger);
    this.unreportPools = reportPools(() =>
      [this.primary, ...this.replicas].map(({ node, pool }) => ({
        node,
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        max: pool.options.max,
      })),
    );
    this.notifier = new CoalescingNotifier(async (channels) => {
      await this.run(this.primary, 'write', "SELECT pg_notify(channel, '') FROM unnest($1::text[]) AS channel", [channels]);
    }, this.logger);
    if (this.replicaReadsEnabled) this.monitor.start();
  }

  /**
   * Runs on the primary: writes, and anything not marked read-only. When the statement changed
   * data, the primary's WAL position afterwards becomes the current session's consistency token.
   */
  async query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryRows<Row>> {
    this.assertOpen();
    const { rows, rowCount, commands } = await this.run<Row>(this.primary, 'write', text, params).catch(rethrowAsUnavailable);
    if (commands.some((command) => !READ_ONLY_COMMANDS.has(command))) await this.recordWritePosition(this.primary.pool);
    return { rows, rowCount };
  }

  /**
   * A read-only statement, served by a replica when one is fresh enough for `consistency`
   * (default: the router's, `session` unless configured), otherwise by the primary. A read that
   * fails because its replica is down, slow or refusing work is retried once on the primary; an
   * error in the SQL is not. Calling it inside `transaction()` throws `ReplicaReadInTransactionError`.
   */
  async read<Row extends object = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options: ReadOptions = {},
  ): Promise<QueryRows<Row>> {
    this.assertOpen();
    if (activeTransaction.current() === this) throw new ReplicaReadInTransactionError();
    const consistency = options.consistency ?? this.defaultReadConsistency;
    if (consistency === 'strong' || !this.replicaReadsEnabled || this.replicas.length === 0) {
      return this.readPrimary<Row>(consistency, text, params);
    }
    if (LOCKING_READ.test(text)) return this.readPrimary<Row>(consistency, text, params, 'locking_read');

    const route = await this.routeRead(consistency, options.maxLagMs ?? this.boundedMaxLagMs);
    if ('fallback' in route) return this.readPrimary<Row>(consistency, text, params, route.fallback);
    // The replica was reserved (outstanding + 1) when it was picked, so reads routed at the
    // same moment spread out instead of all choosing the same idle replica.
    const { replica } = route;
    try {
      const { rows, rowCount } = await this.run<Row>({ node: replica.node, pool: replica.pool }, consistency, text, params);
      return { rows, rowCount };
    } catch (error) {
      const reason = classifyReplicaFailure(error);
      if (reason === undefined) throw error;
      if (REPLICA_DOWN_REASONS.has(reason)) this.monitor.markDown(replica, error);
      this.logger.warn({ err: error, reason, replica: replica.node }, 'replica read failed; reading from the primary');
      return this.readPrimary<Row>(consistency, text, params, reason);
    } finally {
      replica.outstanding -= 1;
    }
  }

  /**
   * Runs `work` in one transaction on the primary: BEGIN, then COMMIT if it resolves or ROLLBACK
   * if it throws (the error is rethrown). Every statement must go through `tx`; the router's own
   * methods would run on other connections, outside the transaction, and `read()` refuses to.
   * The WAL position right after COMMIT becomes the session's consistency token, and the
   * notifications asked for with `tx.notifyAfterCommit` are sent.
   */
  async transaction<T>(work: (tx: TransactionExecutor) => Promise<T>): Promise<T> {
    this.assertOpen();
    const client = await this.primary.pool.connect().catch(rethrowAsUnavailable);
    const transactionExecutor = new ClientTransactionExecutor(client, this.primary.node, this.primary.pool, this.slowQueryLog);
    let releaseError: Error | undefined;
    // A checked-out client has no pool listener: a connection lost mid-transaction (a restarted
    // primary) would emit an unhandled 'error' and crash the process. The statement in flight
    // rejects with the same error, so here it is only recorded and the connection discarded.
    const onConnectionError = (error: Error) => {
      releaseError = error;
      this.logger.warn({ err: error }, 'connection lost during a transaction');
    };
    client.on('error', onConnectionError);
    try {
      await client.query('BEGIN');
      const result = await activeTransaction.run(this, () => work(transactionExecutor));
      // One round trip for both: the position read right after COMMIT covers the commit record.
      const committed: QueryResult[] = (await client.query(
        'COMMIT; SELECT pg_current_wal_lsn()::text AS position',
      )) as unknown as QueryResult[];
      this.observeWritePosition((committed[1]?.rows[0] as { position?: string } | undefined)?.position);
      for (const channel of transactionExecutor.channelsToNotify) this.notifier.notify(channel);
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is in an unknown state: destroy it instead of returning it to the pool.
        releaseError = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        this.logger.error({ err: rollbackError }, 'ROLLBACK failed; discarding the connection');
      }
      rethrowAsUnavailable(error);
    } finally {
      transactionExecutor.finish();
      client.off('error', onConnectionError);
      client.release(releaseError);
    }
  }

  /**
   * LISTENs on `channel` over a dedicated primary connection and calls `onNotification` with each
   * payload. Reconnects with backoff if the connection drops, then calls `onNotification('')`:
   * notifications sent meanwhile are lost, so treat an empty payload as "re-read everything".
   */
  async listen(channel: string, onNotification: (payload: string) => void): Promise<DatabaseNotificationSubscription> {
    this.assertOpen();
    const listener = new NotificationListener(this.listenConnectionConfig, channel, onNotification, this.logger);
    await listener.start();
    this.subscriptions.add(listener);
    return {
      close: async () => {
        this.subscriptions.delete(listener);
        await listener.close();
      },
    };
  }

  /** Readiness check: resolves when the primary answers `SELECT 1`. */
  async ping(): Promise<void> {
    this.assertOpen();
    await this.run(this.primary, 'strong', 'SELECT 1');
  }

  /** Each replica's state, lag and load, as of the last check. */
  replicaStatus(): ReplicaStatus[] {
    return this.replicas.map((replica) => ({
      node: replica.node,
      state: replica.state,
      weight: replica.weight,
      lagBytes: replica.lagBytes,
      lagMs: replica.lagMs,
      outstanding: replica.outstanding,
      replayedLsn: replica.replayedLsn === undefined ? undefined : formatLsn(replica.replayedLsn),
    }));
  }

  /** Checks every replica now rather than at the next poll; resolves once the check is done. */
  async refreshReplicaStatus(): Promise<ReplicaStatus[]> {
    await this.monitor.refresh();
    return this.replicaStatus();
  }

  /** Stops every LISTEN and the replica checks, and closes every pool. Safe to call more than once. */
  close(): Promise<void> {
    // Assigned synchronously, so every method called after close() refuses at once.
    this.closing ??= this.closeEverything();
    return this.closing;
  }

  private async closeEverything(): Promise<void> {
    this.unreportPools();
    const listeners = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all([...listeners.map((listener) => listener.close()), this.monitor.stop(), this.notifier.flush()]);
    await Promise.all([this.primary, ...this.replicas].map(({ pool }) => pool.end()));
  }

  /** Picks the replica for a read, or says why the primary must serve it. */
  private async routeRead(consistency: Exclude<ReadConsistency, 'strong'>, maxLagMs: number): Promise<ReadRoute> {
    switch (consistency) {
      case 'eventual':
        return this.pick(this.replicas.filter((replica) => replica.healthy));
      case 'bounded':
        return this.pick(this.replicas.filter((replica) => replica.healthy && replica.state !== 'unknown' && replica.lagMs <= maxLagMs));
      case 'session':
        return this.routeSessionRead(currentConsistencySession()?.token);
    }
  }

  /**
   * Read-your-writes. Without a token, any replica in the read set will do. With one, a replica
   * whose cached replay position has reached it serves the read at once (no round trip: replay
   * only moves forward, so a cached position is never ahead of the truth). Otherwise the read
   * waits up to `sessionWaitMs` on the replica furthest ahead, watching its position directly,
   * unless that replica is measured too far behind for waiting to help.
   */
  private async routeSessionRead(token: ConsistencyToken | undefined): Promise<ReadRoute> {
    const readSet = this.replicas.filter((replica) => replica.inReadSet);
    if (token === undefined || readSet.length === 0) return this.pick(readSet);
    const target = lsnToBigInt(token);
    const startedAt = performance.now();
    const caughtUp = readSet.filter((replica) => replica.replayedLsn !== undefined && replica.replayedLsn >= target);
    if (caughtUp.length > 0) {
      sessionReadWait.observe(0);
      return this.pick(caughtUp);
    }
    const furthest = readSet.reduce((best, replica) => ((replica.replayedLsn ?? -1n) > (best.replayedLsn ?? -1n) ? replica : best));
    if (furthest.lagMs > this.sessionWaitMs) return { fallback: 'session_replica_behind' };
    let replayed: boolean;
    try {
      replayed = await this.monitor.waitForReplay(furthest, target, Date.now() + this.sessionWaitMs, SESSION_WAIT_STEP_MS);
    } catch (error) {
      const reason = classifyReplicaFailure(error);
      if (reason === undefined) throw error;
      if (REPLICA_DOWN_REASONS.has(reason)) this.monitor.markDown(furthest, error);
      return { fallback: reason };
    } finally {
      sessionReadWait.observe((performance.now() - startedAt) / 1000);
    }
    if (!replayed) return { fallback: 'session_wait_timeout' };
    furthest.outstanding += 1;
    return { replica: furthest };
  }

  /** Picks the least loaded candidate and reserves it (the read releases it when done). */
  private pick(candidates: readonly ReplicaNode[]): ReadRoute {
    this.rotation = (this.rotation + 1) % Math.max(1, this.replicas.length);
    const replica = pickLeastOutstanding(candidates, this.rotation);
    if (replica === undefined) return { fallback: 'no_eligible_replica' };
    replica.outstanding += 1;
    return { replica };
  }

  private async readPrimary<Row extends object>(
    consistency: ReadConsistency,
    text: string,
    params: readonly unknown[] | undefined,
    fallback?: ReadFallbackReason,
  ): Promise<QueryRows<Row>> {
    if (fallback !== undefined) recordReadFallback(fallback);
    const { rows, rowCount } = await this.run<Row>(this.primary, consistency, text, params).catch(rethrowAsUnavailable);
    return { rows, rowCount };
  }

  /** Reads the primary's WAL position after a write committed, and records it. */
  private async recordWritePosition(pool: Pool): Promise<void> {
    const { rows } = await pool.query<{ position: string }>('SELECT pg_current_wal_lsn()::text AS position');
    this.observeWritePosition(rows[0]?.position);
  }

  private observeWritePosition(position: string | undefined): void {
    if (position === undefined) return;
    currentConsistencySession()?.observe(position);
    this.monitor.recordPrimaryPosition(lsnToBigInt(position));
  }

  private run<Row extends object>(
    target: { node: DatabaseNode; pool: Pool | PoolClient },
    kind: QueryKind,
    text: string,
    params?: readonly unknown[],
  ): Promise<MeasuredResult<Row>> {
    return runMeasured<Row>(
      target,
      kind,
      text,
      params,
      this.slowQueryLog && { log: this.slowQueryLog, explainPool: this.poolOf(target.node) },
    );
  }

  private poolOf(node: DatabaseNode): Pool {
    return this.replicas.find((replica) => replica.node === node)?.pool ?? this.primary.pool;
  }

  private createReplica(url: string, weight: number, settings: PoolConfig, health: ReplicaHealthSettings): ReplicaNode {
    const node = new URL(url).host;
    if (!(weight > 0)) throw new Error(`replica weight must be positive, got ${weight} for ${node}`);
    const pool = this.createPool(node, { ...settings, connectionString: url });
    // Health-check failures are handled by the monitor; a health connection dying is not news.
    const healthPool = guardConnectionErrors(
      new Pool(healthCheckPoolConfig({ ...settings, connectionString: url }, health)),
      () => undefined,
    );
    return new ReplicaNode(node, weight, pool, healthPool);
  }

  private createPool(node: DatabaseNode, config: PoolConfig): Pool {
    // A connection that dies (server restart, network blip) is discarded by the pool; the
    // statement that meets it fails and is handled (a replica read falls back to the primary).
    return guardConnectionErrors(new Pool(config), (error) => this.logger.warn({ err: error, node }, 'database connection failed'));
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error('DatabaseRouter is closed');
  }
}

/** The connection a transaction is bound to; refuses use once the transaction has ended. */
class ClientTransactionExecutor implements TransactionExecutor {
  /** Sent by `transaction()` once COMMIT has succeeded. */
  readonly channelsToNotify = new Set<string>();
  private finished = false;

  constructor(
    private readonly client: PoolClient,
    private readonly node: DatabaseNode,
    private readonly explainPool: Pool,
    private readonly slowQueryLog: SlowQueryLog | undefined,
  ) {}

  async query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryRows<Row>> {
    this.assertInTransaction();
    const slowQueries = this.slowQueryLog && { log: this.slowQueryLog, explainPool: this.explainPool };
    const { rows, rowCount } = await runMeasured<Row>({ node: this.node, pool: this.client }, 'transaction', text, params, slowQueries);
    return { rows, rowCount };
  }

  notifyAfterCommit(channel: string): void {
    this.assertInTransaction();
    this.channelsToNotify.add(channel);
  }

  finish(): void {
    this.finished = true;
  }

  private assertInTransaction(): void {
    // Once finished, the connection is back in the pool, maybe inside someone else's transaction.
    if (this.finished) {
      throw new Error('transaction executor used after its transaction ended; run every statement inside the work callback');
    }
  }
}

interface MeasuredResult<Row> extends QueryRows<Row> {
  /** The command tag of each statement run (`INSERT`, `SELECT`, ...). */
  commands: string[];
}

/** Runs one statement, counting it and timing it against the server that ran it. */
async function runMeasured<Row extends object>(
  target: { node: DatabaseNode; pool: Pool | PoolClient },
  kind: QueryKind,
  text: string,
  params: readonly unknown[] | undefined,
  slowQueries: { log: SlowQueryLog; explainPool: Pool } | undefined,
): Promise<MeasuredResult<Row>> {
  databaseQueriesTotal.inc({ node: target.node, kind });
  const startedAt = performance.now();
  try {
    const outcome: QueryResult<Row> | QueryResult<Row>[] = await target.pool.query<Row>(text, params as unknown[] | undefined);
    // Several statements in one text (a migration script) come back as one result each; the
    // last is the one a caller means.
    const results = Array.isArray(outcome) ? outcome : [outcome];
    const result = results[results.length - 1];
    const commands = results.map((each) => each.command);
    if (result === undefined) return { rows: [], rowCount: 0, commands };
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length, commands };
  } finally {
    const durationMs = performance.now() - startedAt;
    databaseQueryDuration.observe({ node: target.node }, durationMs / 1000);
    slowQueries?.log.observe({ pool: slowQueries.explainPool, node: target.node, text, params, durationMs });
  }
}

function connectionSettings(config: DatabaseConfig): PoolConfig & { max: number; statement_timeout: number } {
  return {
    max: config.poolSize ?? DATABASE_DEFAULTS.poolSize,
    application_name: config.applicationName,
    statement_timeout: config.statementTimeoutMs ?? DATABASE_DEFAULTS.statementTimeoutMs,
    connectionTimeoutMillis: config.connectionTimeoutMs ?? DATABASE_DEFAULTS.connectionTimeoutMs,
    // TCP keepalive notices a peer that vanished without closing the socket.
    keepAlive: true,
    types: databaseTypeParsers,
  };
}

function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * The primary failing as a server (unreachable, out of connections, too slow: what makes a replica
 * read move to the primary) is a dependency outage, not a bug: it leaves as UNAVAILABLE, which the
 * edges answer with 503 and a Retry-After, instead of INTERNAL and 500. Errors in the SQL itself,
 * and errors the caller's own code threw inside a transaction, pass through unchanged.
 */
function rethrowAsUnavailable(error: unknown): never {
  if (classifyReplicaFailure(error) === undefined) throw error;
  throw new UnavailableError('The database is unavailable or too slow to answer; try again shortly', { cause: error });
}
