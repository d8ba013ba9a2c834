import { LatencyHistogram } from '../load/latency-histogram';
import { type LoadRunResult } from '../load/load-generator';
import { type ConfigurationResult, type ScenarioResult } from '../runner/scenario-runner';
import { compareRuns } from './compare-runs';
import { buildReport } from './report-builder';
import { renderHtml, renderMarkdown } from './report-format';

function load(throughputPerSecond: number, p99: number): LoadRunResult {
  const latency = { count: 100, p50: p99 / 4, p90: p99 / 2, p99, p999: p99 * 1.5, max: p99 * 2, mean: p99 / 3 };
  return {
    arrival: { kind: 'closed', users: 4, durationSeconds: 10, thinkTimeMs: 0 },
    durationSeconds: 10,
    scheduled: 100,
    sent: 100,
    completed: 100,
    errors: 2,
    rejected: 0,
    achievedRatePerSecond: throughputPerSecond,
    throughputPerSecond,
    latency,
    successfulLatency: latency,
    histogram: LatencyHistogram.create().encode(),
    operations: {},
    timeline: [
      { second: 0, completed: 50, errors: 1, rejected: 0, p50: 1, p99: p99 },
      { second: 1, completed: 50, errors: 1, rejected: 0, p50: 1, p99: p99 },
    ],
    generator: {
      sendLag: latency,
      cpu: { machineBusyShare: 0.5, machineBusyPeak: 0.6, generatorCoreShare: 0.1, generatorEventLoopDelayP99Ms: 1, hostStolenShare: 0.03 },
      fellBehind: false,
      machineSaturated: false,
      warnings: [],
    },
  };
}

function configuration(
  name: string,
  instances: number,
  measured: LoadRunResult | undefined,
  extra: Partial<ConfigurationResult> = {},
): ConfigurationResult {
  return {
    configuration: {
      name,
      env: {},
      serviceEnv: {},
      instances: { 'user-service': instances, 'order-service': 1 },
      postgresReplicas: 1,
      capacity: { maxConcurrency: 8, serviceTimeMs: 20 },
    },
    load: measured,
    server: measured && {
      processes: [{ name: 'gateway', service: 'gateway', cpuCores: 0.5, memoryMaxMiB: 100 }],
      cacheHitRatio: 0.9,
      cacheLookups: 1000,
      replicaReadShare: null,
      primaryQueriesPerSecond: 12,
      replicaFallbacks: 0,
      consumerLagMax: null,
      outboxBacklogMax: 0,
      gatewayRejected: 0,
      failedScrapes: 0,
    },
    faults: [],
    exits: [],
    ...extra,
  };
}

function scenarioResult(configurations: ConfigurationResult[]): ScenarioResult {
  return {
    scenario: {
      name: 'scale-out',
      title: 'Scale-out',
      question: 'Does it scale?',
      figures: ['throughput', 'p99', 'scaling-efficiency', 'replica-read-share', 'cache-hit-ratio'],
      scalingAxis: 'user-service instances',
    },
    runId: 'run-1',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    machine: { cpus: 2, cpuModel: 'test', node: 'v20' },
    capacityModel: { maxConcurrency: 8, serviceTimeMs: 20 },
    arrival: { kind: 'closed', users: 4, durationSeconds: 10, thinkTimeMs: 0 },
    warmUpSeconds: 1,
    seed: { users: 10, ordersPerUser: 0 },
    configurations,
    scalingValues: configurations.map((entry) => entry.configuration.instances['user-service']),
  };
}

describe('buildReport', () => {
  const result = scenarioResult([configuration('1 instance', 1, load(400, 20)), configuration('2 instances', 2, load(720, 25))]);

  it('puts every figure side by side with its ratio to the first configuration', () => {
    const report = buildReport(result);

    expect(report.configurationNames).toEqual(['1 instance', '2 instances']);
    const byFigure = Object.fromEntries(report.rows.map((row) => [row.figure, row]));
    expect(byFigure['throughput']?.values).toEqual([400, 720]);
    expect(byFigure['throughput']?.ratios).toEqual([1, 1.8]);
    expect(byFigure['p99']?.ratios[1]).toBeCloseTo(1.25);
    // 720 req/s from 2 instances against 400 from 1: 90% of linear.
    expect(byFigure['scaling-efficiency']?.values).toEqual([100, 90]);
    expect(byFigure['cache-hit-ratio']?.values).toEqual([90, 90]);
    // Not exported by the services: n/a, not zero.
    expect(byFigure['replica-read-share']?.values).toEqual([null, null]);
    expect(byFigure['replica-read-share']?.ratios).toEqual([null, null]);
  });

  it('says the capacity model was on, and names skipped configurations and flagged runs', () => {
    const flagged = load(100, 900);
    flagged.generator.warnings.push("the machine's CPU was 99% busy");
    const report = buildReport(
      scenarioResult([
        configuration('1 instance', 1, flagged),
        configuration('4 instances', 4, undefined, {
          skipped: 'this build rejects the configuration: USER_SERVICE_URL: expected host:port',
        }),
      ]),
    );

    expect(report.findings.join('\n')).toMatch(
      /capacity model is ON: each service instance serves at most 8 gRPC requests at once, each taking at least 20 ms/,
    );
    expect(report.findings.join('\n')).toMatch(
      /1 instance: the machine's CPU was 99% busy; the figures describe the load generator or the machine/,
    );
    expect(report.findings.join('\n')).toMatch(/4 instances: not measured, this build rejects the configuration/);
    expect(report.rows.find((row) => row.figure === 'throughput')?.values).toEqual([100, null]);
  });

  it('draws the percentiles, the timeline and, for a scaling axis, throughput vs instances', () => {
    const charts = buildReport(result).charts;

    expect(charts.map((chart) => chart.name)).toEqual([
      'latency-percentiles',
      'latency-over-time',
      'throughput-over-time',
      'throughput-vs-instances',
    ]);
    for (const chart of charts) expect(chart.svg).toMatch(/^<svg [^>]*>.*<\/svg>$/s);
    expect(charts[3]?.svg).toContain('linear scaling');
  });

  it('renders Markdown and a self-contained HTML page without NaN or undefined', () => {
    const report = buildReport(result);
    const markdown = renderMarkdown(report);
    const html = renderHtml(report);

    expect(markdown).toContain('| throughput (successful) (higher is better) | 400 req/s | 720 req/s | ×1.80 |');
    expect(markdown).toContain('| reads served by replicas (higher is better) | n/a | n/a | n/a |');
    expect(markdown).not.toMatch(/NaN|undefined/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|NaN/);
  });
});

describe('compareRuns', () => {
  it('diffs the figures of configurations the two runs share', () => {
    const before = scenarioResult([configuration('1 instance', 1, load(400, 20))]);
    const after = {
      ...scenarioResult([configuration('1 instance', 1, load(500, 10)), configuration('8 instances', 8, load(2000, 30))]),
      runId: 'run-2',
    };

    const diff = compareRuns(before, after);

    expect(diff).toContain('# Scale-out: run-1 → run-2');
    expect(diff).toContain('| 1 instance | throughput (successful) | 400 req/s | 500 req/s | ×1.25 |');
    expect(diff).toContain('| 1 instance | p99 | 20.0 ms | 10.0 ms | ×0.50 |');
    expect(diff).toContain('| 8 instances | (only in the later run) | | | |');
  });
});
