import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** The percentiles every report shows, in the order it shows them. */
export const REPORTED_PERCENTILES = [50, 90, 99, 99.9] as const;

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Microseconds from 1 µs to two minutes: a cache hit and a request stuck behind a broker restart fit. */
const LOWEST_MICROSECONDS = 1;
const HIGHEST_MICROSECONDS = 120_000_000;
const SIGNIFICANT_DIGITS = 3;

/**
 * Latencies in an HDR histogram: constant memory whatever the request count, every percentile
 * within 0.1% of the true value (3 significant digits), and mergeable, so per-second histograms
 * add up to the run's. Values are recorded in microseconds and reported in milliseconds.
 */
export class LatencyHistogram {
  private constructor(private readonly histogram: Histogram) {}

  static create(): LatencyHistogram {
    return new LatencyHistogram(
      build({
        bitBucketSize: 32,
        lowestDiscernibleValue: LOWEST_MICROSECONDS,
        highestTrackableValue: HIGHEST_MICROSECONDS,
        numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
        useWebAssembly: false,
      }),
    );
  }

  /** Restores a histogram from `encode()`, e.g. a run's raw JSON for `loadtest:compare`. */
  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(decodeFromCompressedBase64(encoded, 32, false));
  }

  recordMilliseconds(milliseconds: number): void {
    const microseconds = Math.round(milliseconds * 1000);
    this.histogram.recordValue(Math.min(Math.max(microseconds, LOWEST_MICROSECONDS), HIGHEST_MICROSECONDS));
  }

  add(other: LatencyHistogram): void {
    this.histogram.add(other.histogram);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentileMilliseconds(percentile: number): number {
    return this.count === 0 ? 0 : this.histogram.getValueAtPercentile(percentile) / 1000;
  }

  summary(): LatencySummary {
    const at = (percentile: number) => round3(this.percentileMilliseconds(percentile));
    return {
      count: this.count,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      // The top bucket's value rather than the exact maximum, so a decoded histogram reports the same.
      max: at(100),
      mean: this.count === 0 ? 0 : round3(this.histogram.mean / 1000),
    };
  }

  /** Compressed, base64: the whole distribution in a few hundred bytes of the raw JSON. */
  encode(): string {
    return encodeIntoCompressedBase64(this.histogram);
  }
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
