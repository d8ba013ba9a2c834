import { type ArrivalModel } from '../load/arrival-model';
import { type ComparisonRow, type Report } from './report-builder';

/** A figure for a table: "n/a" when it was not measured, never NaN. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const number = value.toFixed(digits);
  if (unit === '%') return `${number}%`;
  return unit === 'count' || unit === '' ? number : `${number} ${unit}`;
}

export function formatRatio(ratio: number | null): string {
  return ratio === null ? 'n/a' : `×${ratio.toFixed(2)}`;
}

export function describeArrival(arrival: ArrivalModel): string {
  switch (arrival.kind) {
    case 'open':
      return `open loop (requests on a schedule, latency from the scheduled time): ${arrival.stages
        .map((stage) => `${stage.ratePerSecond} req/s × ${Number(stage.durationSeconds.toFixed(2))} s`)
        .join(' → ')}`;
    case 'closed':
      return `closed loop: ${arrival.users} users, ${Number(arrival.durationSeconds.toFixed(2))} s, think time ${arrival.thinkTimeMs} ms`;
  }
}

const escapeCell = (text: string) => text.replace(/\|/g, '\\|');

function comparisonTable(report: Report): string[] {
  const names = report.configurationNames;
  const header = ['figure', ...names, ...names.slice(1).map((name) => `${name} / ${names[0]}`)];
  const row = (comparison: ComparisonRow) => [
    `${comparison.label} (${comparison.better} is better)`,
    ...comparison.values.map((value) => formatValue(value, comparison.unit)),
    ...comparison.ratios.slice(1).map(formatRatio),
  ];
  return [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map((_, index) => (index === 0 ? '---' : '---:')).join(' | ')} |`,
    ...report.rows.map((comparison) => `| ${row(comparison).map(escapeCell).join(' | ')} |`),
  ];
}

/** The report as Markdown; charts are referenced as the PNG files written beside it. */
export function renderMarkdown(report: Report): string {
  const { result } = report;
  const lines = [
    `# ${result.scenario.title}`,
    '',
    `> ${result.scenario.question}`,
    '',
    `Run \`${result.runId}\`, ${result.startedAt} → ${result.finishedAt}, on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}.`,
    '',
    `- Arrival: ${describeArrival(result.arrival)}; warm-up ${result.warmUpSeconds} s (not measured).`,
    `- Data: ${result.seed.users} users with ${result.seed.ordersPerUser} orders each, seeded through the API per configuration.`,
    `- Capacity model: ${result.capacityModel ? `on (${result.capacityModel.maxConcurrency} concurrent, ${result.capacityModel.serviceTimeMs} ms per request, per instance)` : 'off'}.`,
    '',
    '## Read this first',
    '',
    ...(report.findings.length === 0
      ? ['Nothing flagged: every configuration ran at its target rate, on a machine that was not saturated.']
      : report.findings.map((finding) => `- ${finding}`)),
    '',
    '## Side by side',
    '',
    ...comparisonTable(report),
    '',
    '## Charts',
    '',
    ...report.charts.flatMap((chart) => [`![${chart.title}](${chart.name}.png)`, '']),
    '## Per configuration',
    '',
  ];
  for (const configuration of result.configurations) {
    const settings = {
      ...configuration.configuration.env,
      ...Object.assign({}, ...Object.values(configuration.configuration.serviceEnv ?? {})),
    } as Record<string, string>;
    lines.push(`### ${configuration.configuration.name}`, '');
    lines.push(
      `Settings: ${
        Object.entries(settings)
          .map(([name, value]) => `\`${name}=${value}\``)
          .join(', ') || 'defaults'
      }; ` +
        `user-service × ${configuration.configuration.instances['user-service']}, order-service × ${configuration.configuration.instances['order-service']}, ` +
        `${configuration.configuration.postgresReplicas} replica(s).`,
      '',
    );
    if (configuration.skipped || !configuration.load) {
      lines.push(`Not measured: ${configuration.skipped ?? 'no result'}.`, '');
      continue;
    }
    const load = configuration.load;
    lines.push(
      `Sent ${load.sent} of ${load.scheduled} scheduled at ${load.achievedRatePerSecond.toFixed(1)} req/s` +
        (load.targetRatePerSecond === undefined ? '' : ` (target ${load.targetRatePerSecond.toFixed(1)})`) +
        `; ${load.errors} errors, ${load.rejected} rejected. Generator: send lag p99 ${load.generator.sendLag.p99} ms, ` +
        `${(load.generator.cpu.generatorCoreShare * 100).toFixed(0)}% of a core; machine CPU ${(load.generator.cpu.machineBusyShare * 100).toFixed(0)}% busy` +
        (load.generator.cpu.hostStolenShare === undefined
          ? '.'
          : `, ${(load.generator.cpu.hostStolenShare * 100).toFixed(0)}% of its time taken by the host (steal).`),
      '',
      '| operation | requests | errors | rejected | p50 | p90 | p99 | p99.9 | max | statuses |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...Object.entries(load.operations).map(
        ([name, operation]) =>
          `| ${name} | ${operation.requests} | ${operation.errors} | ${operation.rejected} | ${operation.latency.p50} | ${operation.latency.p90} | ${operation.latency.p99} | ${operation.latency.p999} | ${operation.latency.max} | ${Object.entries(
            operation.statuses,
          )
            .map(([status, count]) => `${status === '0' ? 'no answer' : status}: ${count}`)
            .join(', ')} |`,
      ),
      '',
    );
    if (configuration.server) {
      lines.push(
        '| process | CPU (cores) | peak RSS (MiB) |',
        '| --- | ---: | ---: |',
        ...configuration.server.processes.map(
          (process) => `| ${process.name} | ${formatValue(process.cpuCores, '')} | ${formatValue(process.memoryMaxMiB, '')} |`,
        ),
        '',
      );
    }
    if (configuration.faults.length > 0) {
      lines.push(
        '| fault | target | from (s) | to (s) |',
        '| --- | --- | ---: | ---: |',
        ...configuration.faults.map(
          (fault) => `| ${fault.kind} | ${fault.target} | ${fault.startedAtSecond.toFixed(1)} | ${fault.repairedAtSecond.toFixed(1)} |`,
        ),
        '',
      );
    }
  }
  lines.push('Latencies in milliseconds. Raw figures, with every HDR histogram encoded, are in `result.json`.', '');
  return lines.join('\n');
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The report as one self-contained HTML page: inline CSS and inline SVG charts, no scripts, no network. */
export function renderHtml(report: Report, markdownBody = renderMarkdown(report)): string {
  const { result } = report;
  const names = report.configurationNames;
  const table = [
    '<table><thead><tr><th>figure</th>',
    ...names.map((name) => `<th>${escapeHtml(name)}</th>`),
    ...names.slice(1).map((name) => `<th>${escapeHtml(name)} / ${escapeHtml(names[0] ?? '')}</th>`),
    '</tr></thead><tbody>',
    ...report.rows.map(
      (row) =>
        `<tr><td>${escapeHtml(row.label)} <small>(${row.better} is better)</small></td>${row.values
          .map((value) => `<td class="number">${escapeHtml(formatValue(value, row.unit))}</td>`)
          .join('')}${row.ratios
          .slice(1)
          .map((ratio) => `<td class="number">${formatRatio(ratio)}</td>`)
          .join('')}</tr>`,
    ),
    '</tbody></table>',
  ].join('');
  const details = markdownBody.slice(markdownBody.indexOf('## Per configuration'));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(result.scenario.title)} — ${escapeHtml(result.runId)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ddd;padding:.35rem .6rem}th{background:#f4f4f4;text-align:left}
td.number{text-align:right;font-variant-numeric:tabular-nums}.findings{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem 1rem}
figure{margin:1.5rem 0}figcaption{color:#555;font-size:.9rem}pre{background:#f7f7f7;padding:1rem;overflow:auto;font-size:.8rem}
</style></head><body>
<h1>${escapeHtml(result.scenario.title)}</h1>
<p><em>${escapeHtml(result.scenario.question)}</em></p>
<p>Run <code>${escapeHtml(result.runId)}</code>, ${escapeHtml(result.startedAt)} → ${escapeHtml(result.finishedAt)}, ${result.machine.cpus} × ${escapeHtml(result.machine.cpuModel)}, Node ${escapeHtml(result.machine.node)}.<br>
Arrival: ${escapeHtml(describeArrival(result.arrival))}; warm-up ${result.warmUpSeconds} s.<br>
Capacity model: ${result.capacityModel ? `<strong>on</strong> (${result.capacityModel.maxConcurrency} concurrent, ${result.capacityModel.serviceTimeMs} ms per request, per instance)` : 'off'}.</p>
<h2>Read this first</h2>
<div class="findings">${report.findings.length === 0 ? '<p>Nothing flagged.</p>' : `<ul>${report.findings.map((finding) => `<li>${escapeHtml(finding)}</li>`).join('')}</ul>`}</div>
<h2>Side by side</h2>
${table}
<h2>Charts</h2>
${report.charts.map((chart) => `<figure>${chart.svg}<figcaption>${escapeHtml(chart.title)}</figcaption></figure>`).join('\n')}
<h2>Per configuration</h2>
<pre>${escapeHtml(details.replace('## Per configuration\n', ''))}</pre>
</body></html>
`;
}
