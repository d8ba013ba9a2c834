import { retryTopology } from './retry-topics';

describe('retryTopology', () => {
  it('names one retry topic per delay and one dead-letter topic, all after the group', () => {
    expect(retryTopology('user-service.order-statistics', [1_000, 10_000, 1_500])).toEqual({
      tiers: [
        { topic: 'user-service.order-statistics.retry-1s', delayMs: 1_000 },
        { topic: 'user-service.order-statistics.retry-10s', delayMs: 10_000 },
        { topic: 'user-service.order-statistics.retry-1500ms', delayMs: 1_500 },
      ],
      deadLetterTopic: 'user-service.order-statistics.dlq',
    });
  });

  it('defaults to 1 s, 10 s, 60 s', () => {
    expect(retryTopology('g').tiers.map((tier) => tier.delayMs)).toEqual([1_000, 10_000, 60_000]);
  });

  it('rejects a group that cannot name a topic, and a delay that is not a positive integer', () => {
    expect(() => retryTopology('has space')).toThrow(/cannot name topics/);
    expect(() => retryTopology('g', [0])).toThrow(/positive integers/);
  });
});
