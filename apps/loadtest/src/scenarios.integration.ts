import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from './report/write-report';
import { runScenario, type ScenarioResult } from './runner/scenario-runner';
import { smokeVersion } from './scenario/smoke';
import { SCENARIOS } from './scenarios';

/** Every number in the raw result, with its path, so a NaN or Infinity anywhere is named. */
function nonFiniteNumbers(value: unknown, path = 'result'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (Array.isArray(value)) return value.flatMap((item, index) => nonFiniteNumbers(item, `${path}[${index}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => nonFiniteNumbers(item, `${path}.${key}`));
  return [];
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Runs every shipped scenario for a few seconds per configuration against the real system and
 * checks that each produces a complete, sane report. It proves the scenarios run, not what they
 * measure: on a shared 2-core machine the figures themselves mean little.
 */
describe('every scenario, smoke-sized', () => {
  const resultsDirectory = mkdtempSync(join(tmpdir(), 'loadtest-smoke-'));
  afterAll(() => rmSync(resultsDirectory, { recursive: true, force: true }));

  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    '%s produces a complete report',
    async (_name, scenario) => {
      const result: ScenarioResult = await runScenario(smokeVersion(scenario));
      const { directory, report } = writeReport(result, resultsDirectory);

      // Every configuration ran, or was skipped because this build does not take several
      // addresses in USER_SERVICE_URL yet (the scale-out scenario's 2 and 4 instances).
      expect(result.configurations.map((configuration) => configuration.configuration.name)).toEqual(
        scenario.configurations.map((configuration) => configuration.name),
      );
      for (const configuration of result.configurations) {
        if (configuration.skipped) {
          expect(configuration.skipped).toMatch(/_SERVICE_URL/);
          continue;
        }
        const load = configuration.load!;
        expect(load.completed).toBe(load.sent);
        expect(load.sent).toBeGreaterThan(0);
        if (load.arrival.kind === 'open') {
          expect(load.sent).toBe(load.scheduled);
          expect(load.achievedRatePerSecond).toBeGreaterThan(0.8 * load.targetRatePerSecond!);
        }
        expect(load.latency.count).toBe(load.completed);
        expect(load.timeline.length).toBeGreaterThan(0);
        expect(configuration.server!.processes.length).toBeGreaterThanOrEqual(3);
        expect(configuration.exits.filter((exit) => exit.code !== 0)).toEqual([]);
        expect(configuration.faults.map((fault) => fault.problem)).toEqual(configuration.faults.map(() => undefined));
      }
      expect(result.configurations.some((configuration) => configuration.load !== undefined)).toBe(true);
      expect(nonFiniteNumbers(result)).toEqual([]);

      // The comparison: every figure, one value per configuration, ratios against the first.
      expect(report.rows.map((row) => row.figure)).toEqual(scenario.figures);
      for (const row of report.rows) {
        expect(row.values).toHaveLength(scenario.configurations.length);
        expect(row.ratios).toHaveLength(scenario.configurations.length);
      }
      expect(report.rows.find((row) => row.figure === 'throughput' || row.figure === 'p99')?.values[0]).toEqual(expect.any(Number));

      const markdown = readFileSync(join(directory, 'report.md'), 'utf8');
      const html = readFileSync(join(directory, 'report.html'), 'utf8');
      for (const configuration of scenario.configurations) {
        expect(markdown).toContain(configuration.name);
        expect(html).toContain(configuration.name);
      }
      expect(markdown).not.toMatch(/NaN|undefined/);
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
      for (const chart of report.charts) expect(readFileSync(join(directory, `${chart.name}.png`)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
      expect(JSON.parse(readFileSync(join(directory, 'result.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(result)));
      expect(existsSync(join(directory, 'latency-over-time.png'))).toBe(true);
    },
    // Start and stop of the system per configuration, a Kafka restart in the faults scenario.
    300_000,
  );
});
