import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, metricsRegistry } from '@workshop/observability';
import { type ReadConsistency } from './database.types';
import { type ReplicaFallbackReason } from './replica-failure';
import { type ReplicaState, REPLICA_STATES } from './replica-state';

/** `primary`, or a replica's `host:port`: the server that ran a statement. */
export type DatabaseNode = string;
export const PRIMARY_NODE = 'primary';

/** How a statement was routed: a write (`query()`), a statement in a transaction, or a read at a consistency. */
export type QueryKind = 'write' | 'transaction' | ReadConsistency;

/**
 * Why a read meant for a replica was served by the primary: a replica failure (see
 * `classifyReplicaFailure`), or a routing decision.
 */
export type ReadFallbackReason =
  | ReplicaFallbackReason
  /** No replica is in the read set (or healthy, for `eventual`; within the bound, for `bounded`). */
  | 'no_eligible_replica'
  /** A `session` read whose token no replica had replayed within `sessionWaitMs`. */
  | 'session_wait_timeout'
  /** A `session` read whose token the replicas are too far behind to replay within `sessionWaitMs`: not worth waiting. */
  | 'session_replica_behind'
  /** `SELECT ... FOR UPDATE/SHARE` sent to `read()`: row locks exist only on the primary. */
  | 'locking_read';

export const databaseQueriesTotal = new Counter<'node' | 'kind'>({
  name: 'db_queries_total',
  help: 'SQL statements sent, by the server that ran them (primary or a replica host:port) and how they were routed (write, transaction, or the read consistency).',
  labelNames: ['node', 'kind'] as const,
  registers: [metricsRegistry],
});

export const databaseReplicaFallbacksTotal = new Counter<'reason'>({
  name: 'db_replica_fallbacks_total',
  help: 'Reads meant for a replica that the primary served instead, by reason.',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

export const databaseQueryDuration = new Histogram<'node'>({
  name: 'db_query_duration_seconds',
  help: 'Time from sending a statement to its last row (or its error), by the server that ran it.',
  labelNames: ['node'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

export const sessionReadWait = new Histogram({
  name: 'db_session_read_wait_seconds',
  help: 'Time a session read carrying a consistency token spent waiting for a replica to replay it (0 when one already had).',
  buckets: [0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [metricsRegistry],
});

export const replicaLagBytes = new Gauge<'replica'>({
  name: 'db_replica_lag_bytes',
  help: 'Bytes of WAL the primary has written that the replica has not replayed, at the last check.',
  labelNames: ['replica'] as const,
  registers: [metricsRegistry],
});

export const replicaLagSeconds = new Gauge<'replica'>({
  name: 'db_replica_lag_seconds',
  help: 'How long ago the primary first wrote past what the replica has replayed, at the last check.',
  labelNames: ['replica'] as const,
  registers: [metricsRegistry],
});

export const replicaStateGauge = new Gauge<'replica' | 'state'>({
  name: 'db_replica_state',
  help: '1 for the state each replica is in (unknown, in_read_set, lagging, down, promoted), 0 for the others.',
  labelNames: ['replica', 'state'] as const,
  registers: [metricsRegistry],
});

/** Pool sizes, read when Prometheus scrapes. */
export interface PoolSnapshot {
  node: DatabaseNode;
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

const poolSources = new Set<() => PoolSnapshot[]>();

/** Connections per pool: open, idle, and requests queued for one; saturation is `open == max` with `waiting > 0`. */
export const poolConnections = new Gauge<'node' | 'state'>({
  name: 'db_pool_connections',
  help: 'Connections of each pool by state (open, idle, max), and requests waiting for a connection (waiting).',
  labelNames: ['node', 'state'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const source of poolSources) {
      for (const pool of source()) {
        this.inc({ node: pool.node, state: 'open' }, pool.total);
        this.inc({ node: pool.node, state: 'idle' }, pool.idle);
        this.inc({ node: pool.node, state: 'waiting' }, pool.waiting);
        this.inc({ node: pool.node, state: 'max' }, pool.max);
      }
    }
  },
});

/** Registers a router's pools with `db_pool_connections`; the returned function unregisters them. */
export function reportPools(source: () => PoolSnapshot[]): () => void {
  poolSources.add(source);
  return () => poolSources.delete(source);
}

export function recordReadFallback(reason: ReadFallbackReason): void {
  databaseReplicaFallbacksTotal.inc({ reason });
}

export function recordReplicaState(replica: DatabaseNode, state: ReplicaState, lag: { bytes: number; ms: number } | undefined): void {
  for (const each of REPLICA_STATES) replicaStateGauge.set({ replica, state: each }, each === state ? 1 : 0);
  if (lag !== undefined) {
    replicaLagBytes.set({ replica }, lag.bytes);
    replicaLagSeconds.set({ replica }, lag.ms / 1000);
  }
}
