import { LocalTokenBucket } from './local-token-bucket';
import { type RateLimitPolicy } from './rate-limit-policy';

const tenPerSecond: RateLimitPolicy = { name: 'per-user', limit: 10, windowSeconds: 1, burst: 3 };
const perIp: RateLimitPolicy = { name: 'per-ip', limit: 100, windowSeconds: 1, burst: 100 };

describe('LocalTokenBucket', () => {
  let clock = 0;
  const bucket = () => new LocalTokenBucket(2, () => clock);
  beforeEach(() => (clock = 1_000));

  it('allows the burst at once, then one request per emission interval', () => {
    const limiter = bucket();
    const check = [{ policy: tenPerSecond, key: 'ada' }];

    expect([1, 2, 3, 4].map(() => limiter.check(check)[0]?.allowed)).toEqual([true, true, true, false]);
    expect(limiter.check(check)[0]).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 100 });
    clock += 100;
    expect(limiter.check(check)[0]?.allowed).toBe(true);
    expect(limiter.check(check)[0]?.allowed).toBe(false);
  });

  it('takes a token from every bucket of a request or from none', () => {
    const limiter = bucket();
    for (let i = 0; i < 3; i += 1) limiter.check([{ policy: tenPerSecond, key: 'ada' }]);

    const denied = limiter.check([
      { policy: tenPerSecond, key: 'ada' },
      { policy: perIp, key: '10.0.0.1' },
    ]);

    expect(denied.map((outcome) => outcome.allowed)).toEqual([false, true]);
    expect(limiter.check([{ policy: perIp, key: '10.0.0.1' }])[0]?.remaining).toBe(99);
  });

  it('forgets the least recently used subject beyond its size, which then starts full', () => {
    const limiter = bucket();
    for (const key of ['ada', 'ada', 'ada', 'grace', 'linus']) limiter.check([{ policy: tenPerSecond, key }]);

    expect(limiter.check([{ policy: tenPerSecond, key: 'ada' }])[0]).toMatchObject({ allowed: true, remaining: 2 });
  });
});
