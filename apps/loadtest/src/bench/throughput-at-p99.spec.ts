import { throughputAtP99, type SweepPoint } from './throughput-at-p99';

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
