import { Counter } from 'prom-client';
import { metricsRegistry } from '@workshop/observability';

export type CacheResult = 'hit' | 'miss' | 'error';
/** Which step failed: a Redis command, or turning a value into text and back. */
export type CacheOperation = 'get' | 'set' | 'delete' | 'serialize' | 'deserialize';

export const cacheRequestsTotal = new Counter<'namespace' | 'result'>({
  name: 'cache_requests_total',
  help: 'Cache lookups by namespace and outcome: hit, miss, or error (Redis failed and the loader served the value).',
  labelNames: ['namespace', 'result'] as const,
  registers: [metricsRegistry],
});

export const cacheErrorsTotal = new Counter<'namespace' | 'operation'>({
  name: 'cache_errors_total',
  help: 'Cache failures that were absorbed rather than surfaced, by namespace and operation.',
  labelNames: ['namespace', 'operation'] as const,
  registers: [metricsRegistry],
});

export function recordCacheRequest(namespace: string, result: CacheResult): void {
  cacheRequestsTotal.inc({ namespace, result });
}

export function recordCacheError(namespace: string, operation: CacheOperation): void {
  cacheErrorsTotal.inc({ namespace, operation });
}
