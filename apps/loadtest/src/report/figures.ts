import { type ConfigurationResult, type ScenarioResult } from '../runner/scenario-runner';
import { type FigureName } from '../scenario/scenario';

export interface FigureDefinition {
  label: string;
  unit: string;
  /** Which way is better, for reading a ratio. */
  better: 'higher' | 'lower';
  /** The figure for one configuration, or null when it does not apply or was not measured. */
  value(configuration: ConfigurationResult, index: number, run: ScenarioResult): number | null;
}

const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
const sumOfServices = (configuration: ConfigurationResult, pick: 'cpuCores' | 'memoryMaxMiB') => {
  const values = (configuration.server?.processes ?? []).map((process) => process[pick]).filter((value): value is number => value !== null);
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0);
};

export const FIGURES: Record<FigureName, FigureDefinition> = {
  throughput: {
    label: 'throughput (successful)',
    unit: 'req/s',
    better: 'higher',
    value: ({ load }) => load?.throughputPerSecond ?? null,
  },
  'achieved-rate': {
    label: 'achieved send rate',
    unit: 'req/s',
    better: 'higher',
    value: ({ load }) => load?.achievedRatePerSecond ?? null,
  },
  p50: { label: 'p50', unit: 'ms', better: 'lower', value: ({ load }) => load?.latency.p50 ?? null },
  p99: { label: 'p99', unit: 'ms', better: 'lower', value: ({ load }) => load?.latency.p99 ?? null },
  p999: { label: 'p99.9', unit: 'ms', better: 'lower', value: ({ load }) => load?.latency.p999 ?? null },
  max: { label: 'max', unit: 'ms', better: 'lower', value: ({ load }) => load?.latency.max ?? null },
  'error-share': {
    label: 'errors (5xx, no answer)',
    unit: '%',
    better: 'lower',
    value: ({ load }) => (load ? 100 * share(load.errors, load.completed) : null),
  },
  'rejected-share': {
    label: 'rejected (429)',
    unit: '%',
    better: 'lower',
    value: ({ load }) => (load ? 100 * share(load.rejected, load.completed) : null),
  },
  'cache-hit-ratio': {
    label: 'cache hit ratio',
    unit: '%',
    better: 'higher',
    value: ({ server }) => (server?.cacheHitRatio == null ? null : 100 * server.cacheHitRatio),
  },
  'replica-read-share': {
    label: 'reads served by replicas',
    unit: '%',
    better: 'higher',
    value: ({ server }) => (server?.replicaReadShare == null ? null : 100 * server.replicaReadShare),
  },
  'primary-queries-per-second': {
    label: 'primary database load',
    unit: 'queries/s',
    better: 'lower',
    value: ({ server }) => server?.primaryQueriesPerSecond ?? null,
  },
  'stale-reads': {
    label: 'stale reads (read-your-write)',
    unit: 'count',
    better: 'lower',
    value: ({ workload }) => (workload && workload.readYourWrites > 0 ? workload.staleReads : null),
  },
  'place-order-p99': {
    label: 'POST /orders p99',
    unit: 'ms',
    better: 'lower',
    value: ({ load }) => load?.operations['place-order']?.latency.p99 ?? null,
  },
  'order-settlement-p99': {
    label: 'time to final order state, p99',
    unit: 'ms',
    better: 'lower',
    value: ({ workload }) => (workload?.orderSettlement && workload.orderSettlement.count > 0 ? workload.orderSettlement.p99 : null),
  },
  'consumer-lag': { label: 'consumer lag, max', unit: 'messages', better: 'lower', value: ({ server }) => server?.consumerLagMax ?? null },
  'outbox-backlog': {
    label: 'outbox backlog, max',
    unit: 'rows',
    better: 'lower',
    value: ({ server }) => server?.outboxBacklogMax ?? null,
  },
  'gateway-429s': {
    label: '429s counted by the gateway',
    unit: 'count',
    better: 'lower',
    value: ({ server }) => server?.gatewayRejected ?? null,
  },
  'service-cpu': {
    label: 'CPU of all processes',
    unit: 'cores',
    better: 'lower',
    value: (configuration) => sumOfServices(configuration, 'cpuCores'),
  },
  'service-memory': {
    label: 'memory of all processes (peak RSS)',
    unit: 'MiB',
    better: 'lower',
    value: (configuration) => sumOfServices(configuration, 'memoryMaxMiB'),
  },
  'scaling-efficiency': {
    label: 'scaling efficiency',
    unit: '%',
    better: 'higher',
    // Throughput per unit of the scaling axis, against the first configuration's: 100% is linear.
    value: (configuration, index, run) => {
      const first = run.configurations[0]?.load?.throughputPerSecond;
      const units = run.scalingValues?.[index];
      const firstUnits = run.scalingValues?.[0];
      const throughput = configuration.load?.throughputPerSecond;
      if (first === undefined || first === 0 || units === undefined || firstUnits === undefined || throughput === undefined) return null;
      return (100 * (throughput / units)) / (first / firstUnits);
    },
  },
};
