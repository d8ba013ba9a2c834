import { LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  it('reports percentiles within 0.1% of the exact values', () => {
    const histogram = LatencyHistogram.create();
    // 1..10000 ms: the exact p50 is 5000, p99 9900, p99.9 9990.
    for (let millisecond = 1; millisecond <= 10_000; millisecond += 1) histogram.recordMilliseconds(millisecond);

    const summary = histogram.summary();
    expect(summary.count).toBe(10_000);
    expect(summary.p50).toBeCloseTo(5000, -1);
    expect(Math.abs(summary.p99 - 9900) / 9900).toBeLessThan(0.001);
    expect(Math.abs(summary.p999 - 9990) / 9990).toBeLessThan(0.001);
    expect(Math.abs(summary.max - 10_000) / 10_000).toBeLessThan(0.001);
    expect(summary.mean).toBeCloseTo(5000.5, -1);
  });

  it('keeps sub-millisecond resolution', () => {
    const histogram = LatencyHistogram.create();
    histogram.recordMilliseconds(0.25);
    histogram.recordMilliseconds(0.75);

    expect(histogram.percentileMilliseconds(50)).toBeCloseTo(0.25, 3);
    expect(histogram.summary().max).toBeCloseTo(0.75, 3);
  });

  it('clamps values outside its range instead of throwing', () => {
    const histogram = LatencyHistogram.create();
    histogram.recordMilliseconds(-5);
    histogram.recordMilliseconds(10 * 60_000);

    expect(histogram.count).toBe(2);
    expect(histogram.summary().max).toBeLessThanOrEqual(120_000 * 1.001);
  });

  it('merges: the sum of per-second histograms is the run', () => {
    const first = LatencyHistogram.create();
    const second = LatencyHistogram.create();
    for (let index = 0; index < 99; index += 1) first.recordMilliseconds(10);
    second.recordMilliseconds(1_000);

    first.add(second);

    expect(first.count).toBe(100);
    expect(first.percentileMilliseconds(99)).toBeCloseTo(10, 0);
    expect(first.summary().max).toBeCloseTo(1_000, -1);
  });

  it('survives encoding, so a later compare reads the same distribution', () => {
    const histogram = LatencyHistogram.create();
    for (let index = 1; index <= 1000; index += 1) histogram.recordMilliseconds(index / 10);

    const decoded = LatencyHistogram.decode(histogram.encode());

    expect(decoded.summary()).toEqual(histogram.summary());
  });

  it('summarises an empty histogram as zeros, never NaN', () => {
    expect(LatencyHistogram.create().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });
  });
});
