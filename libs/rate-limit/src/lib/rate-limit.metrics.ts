import { Counter } from 'prom-client';
import { metricsRegistry } from '@workshop/observability';

export const rateLimitDecisionsTotal = new Counter<'result' | 'decided_by'>({
  name: 'rate_limit_decisions_total',
  help: 'Rate limit decisions by result (allowed, limited) and by store (redis, or local while Redis is unreachable).',
  labelNames: ['result', 'decided_by'] as const,
  registers: [metricsRegistry],
});
