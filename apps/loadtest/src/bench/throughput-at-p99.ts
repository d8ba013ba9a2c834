/** One closed-loop point of a sweep: N connections back to back, and what they achieved. */
export interface SweepPoint {
  connections: number;
  throughputPerSecond: number;
  /** Milliseconds. */
  p99: number;
}

export type ThroughputAtP99 =
  | { throughputPerSecond: number; between: [number, number] | [number]; reason?: undefined }
  | { throughputPerSecond: null; between?: undefined; reason: string };

/**
 * The throughput a path reaches while its p99 stays within `p99BudgetMs`, read off its sweep
 * (points in rising connection order): where the curve first crosses the budget, linearly
 * interpolated between the last point within it and the first beyond it.
 *
 * The first crossing rather than the best point under the budget: a point past the crossing that
 * dips back under it is noise, and taking it would reward noise. When the whole sweep stays
 * within the budget the answer is the top point's throughput, a lower bound (`between` holds only
 * that point); when even the first point is beyond it there is no answer, and the reason says so.
 */
export function throughputAtP99(sweep: readonly SweepPoint[], p99BudgetMs: number): ThroughputAtP99 {
  const [first] = sweep;
  if (first === undefined) return { throughputPerSecond: null, reason: 'the sweep has no points' };
  if (first.p99 > p99BudgetMs) {
    return {
      throughputPerSecond: null,
      reason: `its p99 was ${first.p99} ms already at ${first.connections} connections, above the ${p99BudgetMs} ms budget`,
    };
  }
  for (let index = 1; index < sweep.length; index += 1) {
    const below = sweep[index - 1] as SweepPoint;
    const above = sweep[index] as SweepPoint;
    if (above.p99 <= p99BudgetMs) continue;
    const share = (p99BudgetMs - below.p99) / (above.p99 - below.p99);
    return {
      throughputPerSecond: below.throughputPerSecond + share * (above.throughputPerSecond - below.throughputPerSecond),
      between: [below.connections, above.connections],
    };
  }
  const top = sweep[sweep.length - 1] as SweepPoint;
  return { throughputPerSecond: top.throughputPerSecond, between: [top.connections] };
}

/**
 * One curve from several sweeps of the same path over the same connection counts: at each count,
 * the median throughput and the median p99 of the sweeps, each taken on its own.
 *
 * On two shared cores one point of one sweep can dip by a third (a GC pause, another job), and a
 * single sweep's dip can move the first crossing, the budget and the denominator of the bench's
 * ratio all at once. With three or more sweeps a dip in one of them is outvoted at that point.
 */
export function medianSweep(sweeps: readonly (readonly SweepPoint[])[]): SweepPoint[] {
  const [first] = sweeps;
  if (first === undefined) return [];
  return first.map((point, index) => {
    const pointsHere = sweeps.map((sweep) => {
      const here = sweep[index];
      if (here?.connections !== point.connections) {
        throw new Error(`medianSweep: the sweeps differ at point ${index} (${point.connections} connections against ${here?.connections})`);
      }
      return here;
    });
    return {
      connections: point.connections,
      throughputPerSecond: median(pointsHere.map((here) => here.throughputPerSecond)),
      p99: median(pointsHere.map((here) => here.p99)),
    };
  });
}

/** The middle value, or the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
