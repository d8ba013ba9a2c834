import { parsePrometheusText, type MetricSample } from './prometheus-text';

/** A process whose /metrics the runner reads. */
export interface ScrapeTarget {
  name: string;
  service: string;
  httpUrl: string;
}

export interface ProcessFigures {
  name: string;
  service: string;
  /** CPU time per second of run: 1.0 is one core fully busy. */
  cpuCores: number | null;
  /** Largest resident set size seen, in MiB. */
  memoryMaxMiB: number | null;
}

/** Figures from the services' own metrics; null where no process exports the metric (yet). */
export interface ServerFigures {
  processes: ProcessFigures[];
  /** cache hits / cache lookups, across every process. */
  cacheHitRatio: number | null;
  cacheLookups: number | null;
  /** Reads run by a replica / all routed reads. */
  replicaReadShare: number | null;
  /** Statements the primary ran, per second: the load replicas and caches take off it. */
  primaryQueriesPerSecond: number | null;
  replicaFallbacks: number | null;
  /** Largest consumer lag any process reported (messages). */
  consumerLagMax: number | null;
  outboxBacklogMax: number | null;
  /** Requests the gateway answered with 429. */
  gatewayRejected: number | null;
  /** Scrapes that failed (a process down during a fault window). */
  failedScrapes: number;
}

/** Counters accumulated across scrapes; a process restart (a counter going down) starts a new segment. */
const COUNTERS = ['cache_requests_total', 'db_queries_total', 'db_replica_fallbacks_total', 'requests_total', 'process_cpu_seconds_total'];

const seriesKey = (sample: MetricSample) =>
  `${sample.name}{${Object.entries(sample.labels)
    .filter(([key]) => key !== 'service')
    .map(([key, value]) => `${key}=${value}`)
    .sort()
    .join(',')}}`;

interface ProcessState {
  target: ScrapeTarget;
  previous: Map<string, number>;
  accumulated: Map<string, { sample: MetricSample; delta: number }>;
  gaugeMax: Map<string, number>;
  sawMetrics: Set<string>;
}

/**
 * Scrapes every process's /metrics during a run: counters as increases over the run (robust to a
 * killed and restarted instance), gauges as their largest value. A process that is down is
 * skipped and counted, so a fault window does not break the collection.
 */
export class MetricsScraper {
  private readonly states: ProcessState[];
  private timer?: NodeJS.Timeout;
  private failedScrapes = 0;
  private startedAt = 0;
  private inProgress?: Promise<void>;

  constructor(
    targets: readonly ScrapeTarget[],
    private readonly intervalMs = 1000,
  ) {
    this.states = targets.map((target) => ({
      target,
      previous: new Map(),
      accumulated: new Map(),
      gaugeMax: new Map(),
      sawMetrics: new Set(),
    }));
  }

  /** Takes the baseline: counters count from here. */
  async start(): Promise<void> {
    await Promise.all(this.states.map((state) => this.scrape(state, true)));
    this.startedAt = performance.now();
    this.timer = setInterval(() => {
      this.inProgress ??= Promise.all(this.states.map((state) => this.scrape(state, false))).then(() => {
        this.inProgress = undefined;
      });
    }, this.intervalMs);
  }

  async stop(): Promise<ServerFigures> {
    clearInterval(this.timer);
    await this.inProgress;
    await Promise.all(this.states.map((state) => this.scrape(state, false)));
    return this.figures((performance.now() - this.startedAt) / 1000);
  }

  private async scrape(state: ProcessState, baseline: boolean): Promise<void> {
    let samples: MetricSample[];
    try {
      const response = await fetch(`${state.target.httpUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      samples = parsePrometheusText(await response.text());
    } catch {
      if (!baseline) this.failedScrapes += 1;
      return;
    }
    for (const sample of samples) state.sawMetrics.add(sample.name);
    for (const sample of samples) {
      if (COUNTERS.includes(sample.name)) {
        const key = seriesKey(sample);
        const previous = state.previous.get(key);
        state.previous.set(key, sample.value);
        if (baseline) continue;
        // A series seen for the first time, or lower than before, belongs to a restarted process.
        const delta = previous === undefined || sample.value < previous ? sample.value : sample.value - previous;
        const entry = state.accumulated.get(key) ?? { sample, delta: 0 };
        entry.delta += delta;
        state.accumulated.set(key, entry);
      } else {
        const key = seriesKey(sample);
        state.gaugeMax.set(key, Math.max(state.gaugeMax.get(key) ?? -Infinity, sample.value));
      }
    }
  }

  private increase(state: ProcessState, name: string, match: Record<string, string> = {}): number {
    let sum = 0;
    for (const { sample, delta } of state.accumulated.values()) {
      if (sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value)) sum += delta;
    }
    return sum;
  }

  private gaugeMaxOf(state: ProcessState, pattern: RegExp): number | undefined {
    let max: number | undefined;
    for (const [key, value] of state.gaugeMax) {
      const name = key.slice(0, key.indexOf('{'));
      if (pattern.test(name)) max = Math.max(max ?? -Infinity, value);
    }
    return max;
  }

  private figures(seconds: number): ServerFigures {
    const exporting = (name: string) => this.states.filter((state) => state.sawMetrics.has(name));
    const total = (name: string, match: Record<string, string> = {}) => {
      const states = exporting(name);
      return states.length === 0 ? null : states.reduce((sum, state) => sum + this.increase(state, name, match), 0);
    };
    const gaugeMax = (pattern: RegExp) => {
      const values = this.states.map((state) => this.gaugeMaxOf(state, pattern)).filter((value): value is number => value !== undefined);
      return values.length === 0 ? null : Math.max(...values);
    };
    const ratio = (part: number | null, whole: number | null) => (part === null || whole === null || whole === 0 ? null : part / whole);

    const cacheLookups = total('cache_requests_total');
    const reads = total('db_queries_total', { kind: 'read' });
    const primaryQueries = total('db_queries_total', { node: 'primary' });
    const gateway = this.states.filter((state) => state.target.service === 'gateway' && state.sawMetrics.has('requests_total'));
    return {
      processes: this.states.map((state) => ({
        name: state.target.name,
        service: state.target.service,
        cpuCores:
          state.sawMetrics.has('process_cpu_seconds_total') && seconds > 0
            ? this.increase(state, 'process_cpu_seconds_total') / seconds
            : null,
        memoryMaxMiB: ((max) => (max === undefined ? null : max / 1024 / 1024))(this.gaugeMaxOf(state, /^process_resident_memory_bytes$/)),
      })),
      cacheHitRatio: ratio(total('cache_requests_total', { result: 'hit' }), cacheLookups),
      cacheLookups,
      replicaReadShare: ratio(total('db_queries_total', { kind: 'read', node: 'replica' }), reads),
      primaryQueriesPerSecond: primaryQueries === null || seconds <= 0 ? null : primaryQueries / seconds,
      replicaFallbacks: total('db_replica_fallbacks_total'),
      // Whichever lag gauge the build exports (e.g. kafka_consumer_lag); none yet gives null.
      consumerLagMax: gaugeMax(/consumer_lag/),
      outboxBacklogMax: gaugeMax(/^outbox_backlog$/),
      gatewayRejected:
        gateway.length === 0 ? null : gateway.reduce((sum, state) => sum + this.increase(state, 'requests_total', { status: '429' }), 0),
      failedScrapes: this.failedScrapes,
    };
  }
}
