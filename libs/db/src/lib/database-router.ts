import { Pool, type PoolClient, type PoolConfig, type QueryResult } from 'pg';
import { createLogger, type Logger } from '@workshop/observability';
import { databaseTypeParsers } from './bigint-type-parser';
import {
  DATABASE_DEFAULTS,
  type DatabaseConfig,
  type DatabaseNotificationSubscription,
  type QueryRows,
  type SqlExecutor,
} from './database.types';
import { databaseQueriesTotal, databaseQueryDuration, recordReplicaFallback, type DatabaseNode, type QueryKind } from './database.metrics';
import { NotificationListener } from './notification-listener';
import { classifyReplicaFailure } from './replica-failure';

/**
 * Extra time a replica connection waits past `statement_timeout` before giving up on a silent
 * socket. The server's own timeout should win (it cancels cleanly, with SQLSTATE 57014); this
 * only catches a replica or network that has gone quiet and will never answer, so the read can
 * fall back. The primary has nowhere to fall back to and runs long migrations with the statement
 * timeout lifted, so its connections rely on `statement_timeout` and TCP keepalive alone.
 */
const REPLICA_READ_TIMEOUT_GRACE_MS = 1000;

/** One server and its connection pool. */
interface DatabaseNodePool {
  node: DatabaseNode;
  pool: Pool;
}

/**
 * Routes SQL between a Postgres primary and its streaming read replicas.
 *
 * The rule is explicit at each call site, not inferred from the SQL: `query()` and `transaction()`
 * go to the primary; `read()` goes to a replica, round-robin, and accepts replication lag in
 * exchange for taking load off the primary. A read that fails because the replica is down, slow
 * or refusing work is retried once on the primary and counted; an error in the SQL itself is not
 * retried, because the primary would give the same answer.
 */
export class DatabaseRouter implements SqlExecutor {
  private readonly logger: Logger;
  private readonly primary: DatabaseNodePool;
  private readonly replicas: readonly DatabaseNodePool[];
  private readonly listenConnectionConfig: PoolConfig;
  private readonly subscriptions = new Set<NotificationListener>();
  private nextReplicaIndex = 0;
  private closing: Promise<void> | undefined;

  constructor(config: DatabaseConfig, logger?: Logger) {
    this.logger = (logger ?? createLogger('db')).child({ component: 'database-router', applicationName: config.applicationName });
    const settings = connectionSettings(config);
    this.listenConnectionConfig = { ...settings, connectionString: config.primaryUrl };
    this.primary = this.createNodePool('primary', config.primaryUrl, settings);
    const statementTimeoutMs = config.statementTimeoutMs ?? DATABASE_DEFAULTS.statementTimeoutMs;
    const replicaSettings: PoolConfig = { ...settings, query_timeout: statementTimeoutMs + REPLICA_READ_TIMEOUT_GRACE_MS };
    this.replicas = config.replicaUrls.map((url) => this.createNodePool('replica', url, replicaSettings));
  }

  /** Runs on the primary: writes, and reads that must see the latest committed data. */
  async query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryRows<Row>> {
    this.assertOpen();
    return runMeasured<Row>(this.primary, 'write', text, params);
  }

  /**
   * Runs on a replica (round-robin): reads that tolerate replication lag. Falls back to the
   * primary when the replica fails at the connection level or times out; with no replicas
   * configured it reads the primary.
   */
  async read<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryRows<Row>> {
    this.assertOpen();
    const replica = this.pickReplica();
    if (replica === undefined) return runMeasured<Row>(this.primary, 'read', text, params);
    try {
      return await runMeasured<Row>(replica, 'read', text, params);
    } catch (error) {
      const reason = classifyReplicaFailure(error);
      if (reason === undefined) throw error;
      recordReplicaFallback(reason);
      this.logger.warn({ err: error, reason }, 'replica read failed; reading from the primary');
      return runMeasured<Row>(this.primary, 'read', text, params);
    }
  }

  /**
   * Runs `work` in one transaction on the primary: BEGIN, then COMMIT if it resolves or ROLLBACK
   * if it throws (the error is rethrown). Every statement must go through `tx`; the router's own
   * methods would run on other connections, outside the transaction.
   */
  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    this.assertOpen();
    const client = await this.primary.pool.connect();
    const transactionExecutor = new TransactionExecutor(client, this.primary.node);
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
      const result = await work(transactionExecutor);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection is in an unknown state: destroy it instead of returning it to the pool.
        releaseError = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        this.logger.error({ err: rollbackError }, 'ROLLBACK failed; discarding the connection');
      }
      throw error;
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
    await runMeasured(this.primary, 'read', 'SELECT 1');
  }

  /** Stops every LISTEN and closes every pool. Safe to call more than once. */
  close(): Promise<void> {
    // Assigned synchronously, so every method called after close() refuses at once.
    this.closing ??= this.closeEverything();
    return this.closing;
  }

  private async closeEverything(): Promise<void> {
    const listeners = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(listeners.map((listener) => listener.close()));
    await Promise.all([this.primary, ...this.replicas].map(({ pool }) => pool.end()));
  }

  private pickReplica(): DatabaseNodePool | undefined {
    if (this.replicas.length === 0) return undefined;
    const replica = this.replicas[this.nextReplicaIndex % this.replicas.length];
    this.nextReplicaIndex = (this.nextReplicaIndex + 1) % this.replicas.length;
    return replica;
  }

  private createNodePool(node: DatabaseNode, connectionString: string, settings: PoolConfig): DatabaseNodePool {
    const pool = new Pool({ ...settings, connectionString });
    // An idle connection that dies (server restart, network blip) emits 'error' on the pool; with
    // no listener that would crash the process. The pool has already discarded the connection.
    pool.on('error', (error) => this.logger.error({ err: error, node }, 'idle database connection failed'));
    return { node, pool };
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new Error('DatabaseRouter is closed');
  }
}

/** The connection a transaction is bound to; refuses use once the transaction has ended. */
class TransactionExecutor implements SqlExecutor {
  private finished = false;

  constructor(
    private readonly client: PoolClient,
    private readonly node: DatabaseNode,
  ) {}

  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryRows<Row>> {
    if (this.finished) {
      // The connection is back in the pool, maybe inside someone else's transaction by now.
      return Promise.reject(
        new Error('transaction executor used after its transaction ended; run every statement inside the work callback'),
      );
    }
    return runMeasured<Row>({ node: this.node, pool: this.client }, 'transaction', text, params);
  }

  finish(): void {
    this.finished = true;
  }
}

/** Runs one statement, counting it and timing it against the server that ran it. */
async function runMeasured<Row extends object>(
  target: { node: DatabaseNode; pool: Pool | PoolClient },
  kind: QueryKind,
  text: string,
  params?: readonly unknown[],
): Promise<QueryRows<Row>> {
  databaseQueriesTotal.inc({ node: target.node, kind });
  const stopTimer = databaseQueryDuration.startTimer({ node: target.node });
  try {
    const outcome: QueryResult<Row> | QueryResult<Row>[] = await target.pool.query<Row>(text, params as unknown[] | undefined);
    // Several statements in one text (a migration script) come back as one result each; the
    // last is the one a caller means.
    const result = Array.isArray(outcome) ? outcome[outcome.length - 1] : outcome;
    if (result === undefined) return { rows: [], rowCount: 0 };
    return { rows: result.rows, rowCount: result.rowCount ?? result.rows.length };
  } finally {
    stopTimer();
  }
}

function connectionSettings(config: DatabaseConfig): PoolConfig {
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
