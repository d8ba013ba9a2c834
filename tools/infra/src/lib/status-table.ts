import type { ComponentStatus } from './infrastructure-component';

/** Every component running, or someone else's to run. */
export function isHealthy(statuses: readonly ComponentStatus[]): boolean {
  return statuses.every((status) => status.state === 'running' || status.state === 'external');
}

/** The table `up` and `status` print: one line per component, columns padded to fit. */
export function formatStatusTable(statuses: readonly ComponentStatus[]): string {
  const header = ['COMPONENT', 'STATE', 'ADDRESS', 'PID', 'DETAIL'];
  const rows = statuses.map((status) => [
    status.name,
    status.state,
    status.address,
    status.pid === undefined ? '-' : String(status.pid),
    status.detail ?? '',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
