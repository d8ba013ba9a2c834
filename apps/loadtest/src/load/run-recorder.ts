import { LatencyHistogram, type LatencySummary } from './latency-histogram';

/** What one request came back with: which operation it was and its HTTP status (0: no answer). */
export interface RequestOutcome {
  operation: string;
  status: number;
}

/** No answer, or a server error: the system failed the request. */
export const isError = (status: number) => status === 0 || status >= 500;
/** Turned away by the rate limiter: an answer, not a failure. */
export const isRejected = (status: number) => status === 429;

export interface OperationFigures {
  requests: number;
  errors: number;
  rejected: number;
  statuses: Record<string, number>;
  latency: LatencySummary;
  /** The full distribution, encoded, so a later compare can merge or re-read it. */
  histogram: string;
}

/** One second of a run, by the second each request was due to be sent. */
export interface TimelinePoint {
  second: number;
  targetRatePerSecond?: number;
  /** Requests that completed (any status) in this second. */
  completed: number;
  errors: number;
  rejected: number;
  p50: number;
  p99: number;
}

interface Bucket {
  completed: number;
  errors: number;
  rejected: number;
  histogram: LatencyHistogram;
}

interface OperationBucket {
  errors: number;
  rejected: number;
  statuses: Map<number, number>;
  histogram: LatencyHistogram;
}

/** Collects every request's latency and status, overall, per operation and per second. */
export class RunRecorder {
  private readonly overall = LatencyHistogram.create();
  /** Latency of successful requests only: errors that time out or fail fast would skew it. */
  private readonly successful = LatencyHistogram.create();
  private readonly operations = new Map<string, OperationBucket>();
  private readonly seconds = new Map<number, Bucket>();
  completed = 0;
  errors = 0;
  rejected = 0;
  lastCompletionMs = 0;

  record(outcome: RequestOutcome, dueAtMs: number, completedAtMs: number): void {
    const latencyMs = completedAtMs - dueAtMs;
    const error = isError(outcome.status);
    const rejected = isRejected(outcome.status);
    this.completed += 1;
    if (error) this.errors += 1;
    if (rejected) this.rejected += 1;
    this.lastCompletionMs = Math.max(this.lastCompletionMs, completedAtMs);
    this.overall.recordMilliseconds(latencyMs);
    if (!error && !rejected) this.successful.recordMilliseconds(latencyMs);

    let operation = this.operations.get(outcome.operation);
    if (operation === undefined) {
      operation = { errors: 0, rejected: 0, statuses: new Map(), histogram: LatencyHistogram.create() };
      this.operations.set(outcome.operation, operation);
    }
    operation.histogram.recordMilliseconds(latencyMs);
    operation.statuses.set(outcome.status, (operation.statuses.get(outcome.status) ?? 0) + 1);
    if (error) operation.errors += 1;
    if (rejected) operation.rejected += 1;

    const second = Math.floor(dueAtMs / 1000);
    let bucket = this.seconds.get(second);
    if (bucket === undefined) {
      bucket = { completed: 0, errors: 0, rejected: 0, histogram: LatencyHistogram.create() };
      this.seconds.set(second, bucket);
    }
    bucket.completed += 1;
    if (error) bucket.errors += 1;
    if (rejected) bucket.rejected += 1;
    bucket.histogram.recordMilliseconds(latencyMs);
  }

  latency(): LatencySummary {
    return this.overall.summary();
  }

  successfulLatency(): LatencySummary {
    return this.successful.summary();
  }

  encodedHistogram(): string {
    return this.overall.encode();
  }

  operationFigures(): Record<string, OperationFigures> {
    const figures: Record<string, OperationFigures> = {};
    for (const [name, operation] of [...this.operations].sort(([a], [b]) => a.localeCompare(b))) {
      figures[name] = {
        requests: operation.histogram.count,
        errors: operation.errors,
        rejected: operation.rejected,
        statuses: Object.fromEntries([...operation.statuses].map(([status, count]) => [String(status), count])),
        latency: operation.histogram.summary(),
        histogram: operation.histogram.encode(),
      };
    }
    return figures;
  }

  timeline(targetRateAt: (second: number) => number | undefined): TimelinePoint[] {
    return [...this.seconds]
      .sort(([a], [b]) => a - b)
      .map(([second, bucket]) => {
        return {
          second,
          targetRatePerSecond: targetRateAt(second),
          completed: bucket.completed,
          errors: bucket.errors,
          rejected: bucket.rejected,
          p50: round3(bucket.histogram.percentileMilliseconds(50)),
          p99: round3(bucket.histogram.percentileMilliseconds(99)),
        };
      });
  }
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
