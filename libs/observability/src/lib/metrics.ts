import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per process, exposed on /metrics. Libraries register their own
 * instruments on it (the cache its hit counters, the messaging lib its outbox backlog), so one
 * scrape shows every pattern at work.
 */
export const metricsRegistry = new Registry();

let defaultMetricsStarted = false;

/** Process metrics (CPU, memory, event-loop lag, GC), labelled with the service name. */
export function startProcessMetrics(service: string): void {
  if (defaultMetricsStarted) return;
  defaultMetricsStarted = true;
  metricsRegistry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metricsRegistry });
}

/** Latency buckets from 1 ms to 10 s: the range between a cache hit and a gRPC deadline. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const requestDuration = new Histogram({
  name: 'request_duration_seconds',
  help: 'Time to serve one inbound request, by transport, route or RPC method, and outcome.',
  labelNames: ['transport', 'route', 'method', 'status'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [metricsRegistry],
});

export const requestsTotal = new Counter({
  name: 'requests_total',
  help: 'Inbound requests, by transport, route or RPC method, and outcome.',
  labelNames: ['transport', 'route', 'method', 'status'] as const,
  registers: [metricsRegistry],
});
