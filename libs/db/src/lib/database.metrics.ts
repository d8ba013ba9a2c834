import { Counter, Histogram } from 'prom-client';
import { LATENCY_BUCKETS_SECONDS, metricsRegistry } from '@workshop/observability';
import { type ReplicaFallbackReason } from './replica-failure';

export type DatabaseNode = 'primary' | 'replica';
export type QueryKind = 'write' | 'read' | 'transaction';

export const databaseQueriesTotal = new Counter<'node' | 'kind'>({
  name: 'db_queries_total',
  help: 'SQL statements sent, by the server that ran them (primary or replica) and how they were routed (query, read, or inside a transaction).',
  labelNames: ['node', 'kind'] as const,
  registers: [metricsRegistry],
});

export const databaseReplicaFallbacksTotal = new Counter<'reason'>({
  name: 'db_replica_fallbacks_total',
  help: 'Reads that failed on a replica for a replica-level reason and were served by the primary instead.',
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

/** Typed so a new reason added to the union cannot be recorded without being a label value. */
export function recordReplicaFallback(reason: ReplicaFallbackReason): void {
  databaseReplicaFallbacksTotal.inc({ reason });
}
