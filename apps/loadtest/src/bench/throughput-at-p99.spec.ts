import { median, medianSweep, throughputAtP99, type SweepPoint } from './throughput-at-p99';

const sweep: SweepPoint[] = [
  { connections: 4, throughputPerSecond: 1_500, p99: 6 },
  { connections: 8, throughputPerSecond: 2_500, p99: 9 },
  { connections: 16, throughputPerSecond: 3_300, p99: 14 },
  { connections: 32, throughputPerSecond: 3_700, p99: 24 },
];

describe('throughputAtP99', () => {
  it('interpolates between the points either side of the budget', () => {
    // 17 ms is 3/10 of the way from 14 ms to 24 ms: 3,300 + 0.3 × 400.
    const answer = throughputAtP99(sweep, 17);

    expect(answer.throughputPerSecond).toBeCloseTo(3_420);
    expect(answer.between).toEqual([16, 32]);
  });

  it('takes a point exactly at the budget as within it', () => {
    expect(throughputAtP99(sweep, 9).throughputPerSecond).toBe(2_500);
  });

  it('stops at the first crossing: a later point back under the budget is noise', () => {
    const noisy = [...sweep.slice(0, 2), { connections: 16, throughputPerSecond: 3_300, p99: 30 }, { ...sweep[3]!, p99: 10 }];

    expect(throughputAtP99(noisy, 12).between).toEqual([8, 16]);
  });

  it('answers the top point, a lower bound, when the whole sweep is within the budget', () => {
    expect(throughputAtP99(sweep, 50)).toEqual({ throughputPerSecond: 3_700, between: [32] });
  });

  it('answers null with the reason when even the fewest connections exceed the budget', () => {
    const answer = throughputAtP99(sweep, 5);

    expect(answer.throughputPerSecond).toBeNull();
    expect(answer.reason).toBe('its p99 was 6 ms already at 4 connections, above the 5 ms budget');
  });
});

describe('medianSweep', () => {
  const dipping = (index: number, dip: Partial<SweepPoint>): SweepPoint[] =>
    sweep.map((point, at) => (at === index ? { ...point, ...dip } : point));

  it('outvotes one sweep whose point dipped, so the crossing stays where the other sweeps put it', () => {
    // Alone, the second sweep's dip at 8 connections would cross a 12 ms budget there.
    const sweeps = [sweep, dipping(1, { throughputPerSecond: 1_600, p99: 20 }), dipping(2, { throughputPerSecond: 3_100 })];
    expect(throughputAtP99(sweeps[1]!, 12).between).toEqual([4, 8]);

    const curve = medianSweep(sweeps);

    expect(curve).toEqual([sweep[0], sweep[1], { ...sweep[2], throughputPerSecond: 3_300 }, sweep[3]]);
    expect(throughputAtP99(curve, 12).between).toEqual([8, 16]);
  });

  it('takes the median of throughput and of p99 each on its own', () => {
    const curve = medianSweep([
      [{ connections: 4, throughputPerSecond: 1_000, p99: 9 }],
      [{ connections: 4, throughputPerSecond: 1_200, p99: 5 }],
      [{ connections: 4, throughputPerSecond: 1_100, p99: 7 }],
    ]);

    expect(curve).toEqual([{ connections: 4, throughputPerSecond: 1_100, p99: 7 }]);
  });

  it('refuses sweeps over different connection counts', () => {
    expect(() => medianSweep([sweep, sweep.slice(1)])).toThrow('the sweeps differ at point 0 (4 connections against 8)');
  });

  it('gives no curve for no sweeps', () => {
    expect(medianSweep([])).toEqual([]);
  });
});

describe('median', () => {
  it('takes the middle value of an odd count and the mean of the middle two of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('refuses no values', () => {
    expect(() => median([])).toThrow('median of no values');
  });
});
