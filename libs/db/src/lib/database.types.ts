/**
 * How fresh a read must be; chosen per call (`db.read(sql, params, { consistency })`).
 *
 * - `strong`: the primary. Sees every committed write; takes no load off the primary.
 * - `session`: read-your-writes. A replica that has replayed the caller's consistency token (the
 *   WAL position of its latest write), waiting briefly for one to catch up, else the primary.
 *   Without a token it reads any replica in the read set. The default.
 * - `bounded`: any healthy replica measured at most `maxLagMs` behind, else the primary.
 * - `eventual`: any healthy replica, however far behind (even one out of the read set for lag).
 */
export type ReadConsistency = 'strong' | 'session' | 'bounded' | 'eventual';

export const READ_CONSISTENCIES: readonly ReadConsistency[] = ['strong', 'session', 'bounded', 'eventual'];

export interface ReadOptions {
  /** Default: the router's `defaultReadConsistency` (`session` unless configured). */
  consistency?: ReadConsistency;
  /** For `bounded`: the most lag accepted. Default: the router's `boundedMaxLagMs`. */
  maxLagMs?: number;
}

/** How to reach the primary and its read replicas, and how every connection to them behaves. */
export interface DatabaseConfig {
  /** Writes, transactions, LISTEN and strongly consistent reads go here. */
  primaryUrl: string;
  /** Read replicas. Empty: every read goes to the primary. */
  replicaUrls: readonly string[];
  /**
   * Relative capacity of each replica, in `replicaUrls` order: one of weight 2 takes about twice
   * the reads of one of weight 1. Default: all 1.
   */
  replicaWeights?: readonly number[];
  /** Shown in `pg_stat_activity.application_name`, so an operator sees which service holds a connection. */
  applicationName: string;
  /** Connections to the primary (the pool's limit). Default 10. */
  poolSize?: number;
  /** Connections to each replica. Default: `poolSize`. */
  replicaPoolSize?: number;
  /** Server-side `statement_timeout` on every primary connection. Default 5000 ms. */
  statementTimeoutMs?: number;
  /** `statement_timeout` on replica connections. Default: `statementTimeoutMs`. */
  replicaStatementTimeoutMs?: number;
  /** How long to wait for a new connection before giving up. Default 2000 ms. */
  connectionTimeoutMs?: number;
  /** false sends every read to the primary (`DB_REPLICA_READS_ENABLED`). Default true. */
  replicaReadsEnabled?: boolean;
  /** Consistency of a read that does not name one. Default `session`. */
  defaultReadConsistency?: ReadConsistency;
  /** Lag bounds of the read set, and the replica health checks. */
  replicaHealth?: Partial<ReplicaHealthSettings>;
  /** Longest a `session` read waits for a replica to replay its token before reading the primary. Default 50 ms. */
  sessionWaitMs?: number;
  /** Default bound of a `bounded` read. Default 1000 ms. */
  boundedMaxLagMs?: number;
  /** Statements slower than this are logged with their plan; undefined: no slow-query log. */
  slowQueryThresholdMs?: number;
}

/** When a replica leaves and rejoins the read set, and how it is watched. */
export interface ReplicaHealthSettings {
  /** How often each replica's position and the primary's are polled. */
  pollIntervalMs: number;
  /** `statement_timeout` (and connect timeout) of a health check: a slow answer counts as a failure. */
  checkTimeoutMs: number;
  /** A replica further behind than this (bytes of WAL not yet replayed) leaves the read set... */
  maxLagBytes: number;
  /** ...or further behind than this (time since the primary had written what it replays now). */
  maxLagMs: number;
  /**
   * Hysteresis: it rejoins only once both lags are below this fraction of their limits, so a
   * replica hovering at the limit does not flap in and out.
   */
  rejoinFraction: number;
  /** After a failure, the first retry waits this long; each further failure doubles it... */
  retryInitialMs: number;
  /** ...up to this. */
  retryMaxMs: number;
}

export const REPLICA_HEALTH_DEFAULTS: ReplicaHealthSettings = {
  pollIntervalMs: 200,
  checkTimeoutMs: 1000,
  maxLagBytes: 16 * 1024 * 1024,
  maxLagMs: 5000,
  rejoinFraction: 0.5,
  retryInitialMs: 500,
  retryMaxMs: 10_000,
};

export interface QueryRows<Row> {
  rows: Row[];
  rowCount: number;
}

/** Anything that runs SQL: the router itself, or the connection a transaction is bound to. */
export interface SqlExecutor {
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryRows<Row>>;
}

/** What a transaction's work runs its statements through: the connection the transaction is bound to. */
export interface TransactionExecutor extends SqlExecutor {
  /**
   * NOTIFYs `channel` once this transaction has committed, and not at all if it rolls back.
   * Prefer it to a NOTIFY inside the transaction, which makes every notifying commit wait for
   * the one before it; these are sent after the commit and a burst of them is folded into a few
   * (see `CoalescingNotifier`). A listener hears of the commit after it is visible.
   */
  notifyAfterCommit(channel: string): void;
}

/** A live LISTEN; `close()` stops it and releases its dedicated connection. */
export interface DatabaseNotificationSubscription {
  close(): Promise<void>;
}

export const DATABASE_DEFAULTS = {
  poolSize: 10,
  statementTimeoutMs: 5000,
  connectionTimeoutMs: 2000,
  defaultReadConsistency: 'session',
  sessionWaitMs: 50,
  boundedMaxLagMs: 1000,
} as const satisfies Partial<DatabaseConfig>;
