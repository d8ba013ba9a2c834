import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@workshop/observability';

export type CacheTier = 'memory' | 'remote';
/** A failure absorbed instead of surfaced: a remote command, turning a value into text and back, or the bus. */
export type CacheOperation = 'get' | 'set' | 'invalidate' | 'lease' | 'serialize' | 'deserialize' | 'publish';
/** Why a value past its freshness was served. */
export type StaleReason = 'refreshing' | 'loader_error' | 'loader_slow';
export type LeaseWaitOutcome = 'value' | 'lease_taken' | 'timeout';

export const cacheRequestsTotal = new Counter<'namespace' | 'tier' | 'result'>({
  name: 'cache_requests_total',
  help: 'Lookups per tier: hit (a fresh value), stale (a value within its grace period), miss.',
  labelNames: ['namespace', 'tier', 'result'] as const,
  registers: [metricsRegistry],
});

export const cacheStaleServedTotal = new Counter<'namespace' | 'reason'>({
  name: 'cache_stale_served_total',
  help: 'Stale values served within their grace period, by reason: a refresh was running, the loader failed, or was slower than the soft timeout.',
  labelNames: ['namespace', 'reason'] as const,
  registers: [metricsRegistry],
});

export const cacheCoalescedTotal = new Counter<'namespace'>({
  name: 'cache_coalesced_total',
  help: 'Requests that joined a load already running in this process instead of starting one (single flight).',
  labelNames: ['namespace'] as const,
  registers: [metricsRegistry],
});

export const cacheLeaseWaitsTotal = new Counter<'namespace' | 'outcome'>({
  name: 'cache_lease_waits_total',
  help: 'Waits for another instance that held the load lease, by outcome: its value arrived, the lease became ours, or the wait timed out.',
  labelNames: ['namespace', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const cacheLoadsTotal = new Counter<'namespace' | 'result'>({
  name: 'cache_loads_total',
  help: 'Loader calls, by result: success, error, or timeout (the hard timeout passed).',
  labelNames: ['namespace', 'result'] as const,
  registers: [metricsRegistry],
});

export const cacheLoadDurationSeconds = new Histogram<'namespace'>({
  name: 'cache_load_duration_seconds',
  help: 'How long loaders took, successful or not.',
  labelNames: ['namespace'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

export const cacheErrorsTotal = new Counter<'namespace' | 'operation'>({
  name: 'cache_errors_total',
  help: 'Cache failures that were absorbed rather than surfaced, by operation.',
  labelNames: ['namespace', 'operation'] as const,
  registers: [metricsRegistry],
});

export const cacheBreakerState = new Gauge<'namespace' | 'store'>({
  name: 'cache_breaker_state',
  help: 'Circuit breaker of the remote store: 0 closed (calls go through), 1 half-open (one trial call), 2 open (the store is skipped).',
  labelNames: ['namespace', 'store'] as const,
  registers: [metricsRegistry],
});

export const cacheMemoryEntries = new Gauge<'namespace'>({
  name: 'cache_memory_entries',
  help: 'Entries held by the in-process memory tier.',
  labelNames: ['namespace'] as const,
  registers: [metricsRegistry],
});

export const cacheBusMessagesTotal = new Counter<'namespace' | 'direction'>({
  name: 'cache_bus_messages_total',
  help: 'Invalidation messages published to, and received from, other instances.',
  labelNames: ['namespace', 'direction'] as const,
  registers: [metricsRegistry],
});
