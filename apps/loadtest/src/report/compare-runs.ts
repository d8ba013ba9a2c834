import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type ScenarioResult } from '../runner/scenario-runner';
import { FIGURES } from './figures';
import { formatRatio, formatValue } from './report-format';

/** Reads a run from its folder (or its result.json). */
export function readRun(path: string): ScenarioResult {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'result.json') : path;
  return JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult;
}

/**
 * A Markdown diff of two runs: every figure of every configuration they share (matched by name),
 * before, after and after/before. Runs of different scenarios compare on the figures they share.
 */
export function compareRuns(before: ScenarioResult, after: ScenarioResult): string {
  const figures = before.scenario.figures.filter((figure) => after.scenario.figures.includes(figure));
  const lines = [
    `# ${after.scenario.title}: ${before.runId} → ${after.runId}`,
    '',
    `Before: ${before.startedAt}, capacity model ${before.capacityModel ? 'on' : 'off'}. After: ${after.startedAt}, capacity model ${after.capacityModel ? 'on' : 'off'}.`,
    '',
    '| configuration | figure | before | after | after / before |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  for (const [afterIndex, configuration] of after.configurations.entries()) {
    const beforeIndex = before.configurations.findIndex((candidate) => candidate.configuration.name === configuration.configuration.name);
    const previous = before.configurations[beforeIndex];
    if (previous === undefined) {
      lines.push(`| ${configuration.configuration.name} | (only in the later run) | | | |`);
      continue;
    }
    for (const figure of figures) {
      const definition = FIGURES[figure];
      const was = definition.value(previous, beforeIndex, before);
      const is = definition.value(configuration, afterIndex, after);
      const ratio = was === null || is === null || was === 0 ? null : is / was;
      lines.push(
        `| ${configuration.configuration.name} | ${definition.label} | ${formatValue(was, definition.unit)} | ${formatValue(is, definition.unit)} | ${formatRatio(ratio)} |`,
      );
    }
  }
  const flagged = [before, after].flatMap((run) =>
    run.configurations.flatMap((configuration) =>
      (configuration.load?.generator.warnings ?? []).map((warning) => `${run.runId} ${configuration.configuration.name}: ${warning}`),
    ),
  );
  if (flagged.length > 0)
    lines.push('', 'Flagged runs (their figures describe the generator or the machine):', '', ...flagged.map((line) => `- ${line}`));
  return `${lines.join('\n')}\n`;
}
