/** How to reach the primary and its read replicas, and how every connection to them behaves. */
export interface DatabaseConfig {
  /** Writes, transactions, LISTEN and strongly consistent reads go here. */
  primaryUrl: string;
  /** Read replicas, used round-robin by `read()`. Empty means every read goes to the primary. */
  replicaUrls: readonly string[];
  /** Connections per pool (one pool per server). Default 10. */
  poolSize?: number;
  /** Server-side `statement_timeout` on every connection. Default 5000 ms. */
  statementTimeoutMs?: number;
  /** How long to wait for a new connection before giving up. Default 2000 ms. */
  connectionTimeoutMs?: number;
  /** Shown in `pg_stat_activity.application_name`, so an operator sees which service holds a connection. */
  applicationName: string;
}

export interface QueryRows<Row> {
  rows: Row[];
  rowCount: number;
}

/** Anything that runs SQL: the router itself, or the connection a transaction is bound to. */
export interface SqlExecutor {
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryRows<Row>>;
}

/** A live LISTEN; `close()` stops it and releases its dedicated connection. */
export interface DatabaseNotificationSubscription {
  close(): Promise<void>;
}

export const DATABASE_DEFAULTS = {
  poolSize: 10,
  statementTimeoutMs: 5000,
  connectionTimeoutMs: 2000,
} as const;
