import { type ScenarioResult } from '../runner/scenario-runner';
import { type FigureName } from '../scenario/scenario';
import { FIGURES } from './figures';
import { barChart, lineChart, type ShadedWindow } from './svg-chart';

export interface ComparisonRow {
  figure: FigureName;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  /** One per configuration; null: not measured, or not applicable. */
  values: (number | null)[];
  /** Each value divided by the first configuration's (the baseline of the comparison). */
  ratios: (number | null)[];
}

export interface Chart {
  /** File-name stem, e.g. `latency-percentiles`. */
  name: string;
  title: string;
  svg: string;
}

export interface Report {
  result: ScenarioResult;
  configurationNames: string[];
  rows: ComparisonRow[];
  /** What a reader must know before trusting the figures: flags, skipped configurations, the capacity model. */
  findings: string[];
  charts: Chart[];
}

/** Turns a scenario's raw result into the side-by-side comparison, the findings and the charts. */
export function buildReport(result: ScenarioResult): Report {
  const configurationNames = result.configurations.map((configuration) => configuration.configuration.name);
  const rows = result.scenario.figures.map((figure): ComparisonRow => {
    const definition = FIGURES[figure];
    const values = result.configurations.map((configuration, index) => finiteOrNull(definition.value(configuration, index, result)));
    const base = values[0] ?? null;
    const ratios = values.map((value) => (value === null || base === null || base === 0 ? null : value / base));
    return { figure, label: definition.label, unit: definition.unit, better: definition.better, values, ratios };
  });
  return { result, configurationNames, rows, findings: findings(result), charts: charts(result) };
}

const finiteOrNull = (value: number | null) => (value === null || !Number.isFinite(value) ? null : value);

function findings(result: ScenarioResult): string[] {
  const notes: string[] = [];
  if (result.capacityModel) {
    notes.push(
      `The capacity model is ON: each service instance serves at most ${result.capacityModel.maxConcurrency} gRPC requests at once, ` +
        `each taking at least ${result.capacityModel.serviceTimeMs} ms (CAPACITY_MAX_CONCURRENCY, CAPACITY_SERVICE_TIME_MS). ` +
        `Throughput figures describe that model, not this machine's limit.`,
    );
  }
  for (const configuration of result.configurations) {
    const name = configuration.configuration.name;
    if (configuration.skipped) notes.push(`${name}: not measured, ${configuration.skipped}.`);
    for (const warning of configuration.load?.generator.warnings ?? []) {
      notes.push(`${name}: ${warning}; the figures describe the load generator or the machine, not the system.`);
    }
    for (const fault of configuration.faults) {
      if (fault.problem) notes.push(`${name}: fault ${fault.kind} on ${fault.target} did not go as planned: ${fault.problem}.`);
    }
    const unclean = configuration.exits.filter((exit) => exit.code !== 0);
    if (unclean.length > 0) {
      notes.push(`${name}: ${unclean.map((exit) => `${exit.name} exited with ${exit.code ?? exit.signal}`).join(', ')} on SIGTERM.`);
    }
    if (configuration.workload && configuration.workload.staleReads > 0) {
      notes.push(
        `${name}: ${configuration.workload.staleReads} of ${configuration.workload.readYourWrites} read-your-write requests did not see their write.`,
      );
    }
  }
  return notes;
}

function charts(result: ScenarioResult): Chart[] {
  const measured = result.configurations.filter((configuration) => configuration.load !== undefined);
  const list: Chart[] = [
    {
      name: 'latency-percentiles',
      title: 'Latency percentiles per configuration',
      svg: barChart({
        title: `${result.scenario.title}: latency percentiles`,
        yLabel: 'latency (ms)',
        categories: measured.map((configuration) => configuration.configuration.name),
        series: (['p50', 'p90', 'p99', 'p999'] as const).map((percentile) => ({
          name: percentile === 'p999' ? 'p99.9' : percentile,
          values: measured.map((configuration) => configuration.load?.latency[percentile] ?? 0),
        })),
      }),
    },
    {
      name: 'latency-over-time',
      title: 'p99 latency over time (fault windows shaded)',
      svg: lineChart({
        title: `${result.scenario.title}: p99 over time`,
        xLabel: 'seconds into the measured run',
        yLabel: 'p99 latency (ms)',
        series: measured.map((configuration) => ({
          name: configuration.configuration.name,
          points: (configuration.load?.timeline ?? []).map((point) => [point.second, point.p99] as const),
        })),
        windows: faultWindows(result),
      }),
    },
  ];
  const open = measured.some((configuration) => configuration.load?.arrival.kind === 'open');
  list.push({
    name: 'throughput-over-time',
    title: 'Answers per second over time' + (open ? ' (dashed: target rate)' : ''),
    svg: lineChart({
      title: `${result.scenario.title}: throughput over time`,
      xLabel: 'seconds into the measured run',
      yLabel: 'requests per second',
      series: [
        ...measured.map((configuration) => ({
          name: configuration.configuration.name,
          points: (configuration.load?.timeline ?? []).map(
            (point) => [point.second, point.completed - point.errors - point.rejected] as const,
          ),
        })),
        ...(open && measured[0]?.load
          ? [
              {
                name: 'target',
                dashed: true,
                points: measured[0].load.timeline
                  .filter((point) => point.targetRatePerSecond !== undefined)
                  .map((point) => [point.second, point.targetRatePerSecond ?? 0] as const),
              },
            ]
          : []),
      ],
      windows: faultWindows(result),
    }),
  });
  if (result.scalingValues && result.scenario.scalingAxis) {
    const points = result.configurations.flatMap((configuration, index) => {
      const units = result.scalingValues?.[index];
      return configuration.load && units !== undefined ? [[units, configuration.load.throughputPerSecond] as const] : [];
    });
    const [firstUnits, firstThroughput] = points[0] ?? [1, 0];
    list.push({
      name: 'throughput-vs-instances',
      title: `Throughput vs ${result.scenario.scalingAxis}`,
      svg: lineChart({
        title: `${result.scenario.title}: throughput vs ${result.scenario.scalingAxis}`,
        xLabel: result.scenario.scalingAxis,
        yLabel: 'successful requests per second',
        series: [
          { name: 'measured', points },
          {
            name: 'linear scaling',
            dashed: true,
            points: points.map(([units]) => [units, (firstThroughput / firstUnits) * units] as const),
          },
        ],
      }),
    });
  }
  return list;
}

/** Fault windows of the first configuration that has any (scenarios inject the same ones per configuration). */
function faultWindows(result: ScenarioResult): ShadedWindow[] {
  const withFaults = result.configurations.find((configuration) => configuration.faults.length > 0);
  return (withFaults?.faults ?? []).map((fault) => ({ from: fault.startedAtSecond, to: fault.repairedAtSecond, label: fault.kind }));
}
