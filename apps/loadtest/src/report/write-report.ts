import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { type ScenarioResult } from '../runner/scenario-runner';
import { buildReport, type Report } from './report-builder';
import { renderHtml, renderMarkdown } from './report-format';

/** results/ at the workspace root (git-ignored). */
export const RESULTS_DIRECTORY = join(__dirname, '../../../../results');

/** Renders an SVG chart to PNG with resvg (Rust, no browser, no system Cairo), at twice the size for sharp slides. */
export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
}

/**
 * Writes a run's folder: `result.json` (every raw figure and encoded histogram), `report.md`,
 * `report.html` (self-contained) and one PNG per chart. Returns the folder and the report.
 */
export function writeReport(result: ScenarioResult, resultsDirectory = RESULTS_DIRECTORY): { directory: string; report: Report } {
  const directory = join(resultsDirectory, `${result.scenario.name}-${result.runId}`);
  mkdirSync(directory, { recursive: true });
  const report = buildReport(result);
  const markdown = renderMarkdown(report);
  writeFileSync(join(directory, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(directory, 'report.md'), markdown);
  writeFileSync(join(directory, 'report.html'), renderHtml(report, markdown));
  for (const chart of report.charts) writeFileSync(join(directory, `${chart.name}.png`), svgToPng(chart.svg));
  return { directory, report };
}
