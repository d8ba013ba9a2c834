/**
 * Small SVG charts written by hand: a report page must be one self-contained file (no script, no
 * CDN), and the same SVG renders to PNG for slides. Two kinds cover every report: lines over a
 * numeric axis (with shaded windows, e.g. faults) and grouped bars.
 */

const WIDTH = 760;
const HEIGHT = 380;
const MARGIN = { top: 44, right: 24, bottom: 76, left: 72 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Colour-blind-safe (Okabe–Ito). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const FONT = 'font-family="DejaVu Sans, Verdana, sans-serif"';

export interface LineSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

export interface ShadedWindow {
  from: number;
  to: number;
  label: string;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  windows?: readonly ShadedWindow[];
}

export interface BarChartSpec {
  title: string;
  yLabel: string;
  /** One group per category (a configuration); one bar per series (a percentile) in each. */
  categories: readonly string[];
  series: readonly { name: string; values: readonly number[] }[];
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** About `count` round tick values covering [0, max]: 1, 2 or 5 times a power of ten apart. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

const formatTick = (value: number) =>
  Math.abs(value) >= 1000 ? `${Number((value / 1000).toPrecision(3))}k` : String(Number(value.toPrecision(3)));

function frame(title: string, xLabel: string, yLabel: string, yTicks: number[], yScale: (value: number) => number, body: string): string {
  const grid = yTicks
    .map((tick) => {
      const y = yScale(tick);
      return `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${MARGIN.left - 8}" y="${y + 4}" text-anchor="end" font-size="11" ${FONT} fill="#444">${formatTick(tick)}</text>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold" ${FONT} fill="#222">${escapeXml(title)}</text>`,
    grid,
    body,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_HEIGHT}" stroke="#444"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_WIDTH}" y1="${MARGIN.top + PLOT_HEIGHT}" y2="${MARGIN.top + PLOT_HEIGHT}" stroke="#444"/>`,
    `<text x="${MARGIN.left + PLOT_WIDTH / 2}" y="${HEIGHT - 42}" text-anchor="middle" font-size="12" ${FONT} fill="#222">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT} fill="#222">${escapeXml(yLabel)}</text>`,
    '</svg>',
  ].join('');
}

function legend(names: readonly string[], dashed: readonly boolean[] = []): string {
  let x = MARGIN.left;
  const y = HEIGHT - 16;
  return names
    .map((name, index) => {
      const colour = PALETTE[index % PALETTE.length];
      const item = `<line x1="${x}" x2="${x + 18}" y1="${y - 4}" y2="${y - 4}" stroke="${colour}" stroke-width="3"${dashed[index] ? ' stroke-dasharray="5 3"' : ''}/><text x="${x + 22}" y="${y}" font-size="11" ${FONT} fill="#222">${escapeXml(name)}</text>`;
      x += 34 + name.length * 6.5;
      return item;
    })
    .join('');
}

export function lineChart(spec: LineChartSpec): string {
  const xs = spec.series.flatMap((series) => series.points.map(([x]) => x));
  const ys = spec.series.flatMap((series) => series.points.map(([, y]) => y));
  const xMin = xs.length > 0 ? Math.min(...xs, ...(spec.windows ?? []).map((window) => window.from)) : 0;
  const xMax = xs.length > 0 ? Math.max(...xs, ...(spec.windows ?? []).map((window) => window.to)) : 1;
  const yTicks = niceTicks(Math.max(...ys, 0));
  const yTop = yTicks.at(-1) ?? 1;
  const xScale = (value: number) => MARGIN.left + (xMax === xMin ? PLOT_WIDTH / 2 : ((value - xMin) / (xMax - xMin)) * PLOT_WIDTH);
  const yScale = (value: number) => MARGIN.top + PLOT_HEIGHT - (value / yTop) * PLOT_HEIGHT;

  const xTicks = niceTicks(xMax - xMin)
    .map((tick) => tick + xMin)
    .filter((tick) => tick <= xMax);
  const xAxis = xTicks
    .map(
      (tick) =>
        `<text x="${xScale(tick)}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#444">${formatTick(tick)}</text>`,
    )
    .join('');
  const windows = (spec.windows ?? [])
    .map((window, index) => {
      const x = xScale(window.from);
      // Staggered, so the labels of windows close together stay readable.
      const labelY = MARGIN.top + 12 + (index % 3) * 12;
      const width = Math.max(1, xScale(window.to) - x);
      return `<rect x="${x}" y="${MARGIN.top}" width="${width}" height="${PLOT_HEIGHT}" fill="#d62728" fill-opacity="0.12"/><text x="${x + 3}" y="${labelY}" font-size="10" ${FONT} fill="#a01010">${escapeXml(window.label)}</text>`;
    })
    .join('');
  const lines = spec.series
    .map((series, index) => {
      const colour = PALETTE[index % PALETTE.length];
      const path = series.points
        .map(([x, y], point) => `${point === 0 ? 'M' : 'L'}${xScale(x).toFixed(1)},${yScale(y).toFixed(1)}`)
        .join(' ');
      const dots =
        series.points.length <= 12
          ? series.points
              .map(([x, y]) => `<circle cx="${xScale(x).toFixed(1)}" cy="${yScale(y).toFixed(1)}" r="3" fill="${colour}"/>`)
              .join('')
          : '';
      return `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>${dots}`;
    })
    .join('');
  return frame(
    spec.title,
    spec.xLabel,
    spec.yLabel,
    yTicks,
    yScale,
    windows +
      xAxis +
      lines +
      legend(
        spec.series.map((series) => series.name),
        spec.series.map((series) => series.dashed ?? false),
      ),
  );
}

export function barChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((series) => series.values);
  const yTicks = niceTicks(Math.max(...values, 0));
  const yTop = yTicks.at(-1) ?? 1;
  const yScale = (value: number) => MARGIN.top + PLOT_HEIGHT - (value / yTop) * PLOT_HEIGHT;
  const groupWidth = PLOT_WIDTH / Math.max(1, spec.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  const bars = spec.categories
    .map((category, group) => {
      const groupX = MARGIN.left + group * groupWidth + groupWidth * 0.1;
      const groupBars = spec.series
        .map((series, index) => {
          const value = series.values[group] ?? 0;
          const y = yScale(value);
          const x = groupX + index * barWidth;
          return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(MARGIN.top + PLOT_HEIGHT - y).toFixed(1)}" fill="${PALETTE[index % PALETTE.length]}"/><text x="${(x + barWidth / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="9" ${FONT} fill="#333">${formatTick(value)}</text>`;
        })
        .join('');
      const label = `<text x="${groupX + groupWidth * 0.4}" y="${MARGIN.top + PLOT_HEIGHT + 16}" text-anchor="middle" font-size="11" ${FONT} fill="#222">${escapeXml(category)}</text>`;
      return groupBars + label;
    })
    .join('');
  return frame(spec.title, '', spec.yLabel, yTicks, yScale, bars + legend(spec.series.map((series) => series.name)));
}
