import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { loadInfrastructureConfig } from '@workshop/config';
import { createLogger } from '@workshop/observability';
import { type RateLimitCheck, type RateLimitPolicy } from './rate-limit-policy';
import { RateLimiter } from './rate-limiter';

const redisUrl = loadInfrastructureConfig().redis.url;
const logger = createLogger('rate-limit-integration-test', 'silent');
/** Nothing listens on port 1: a Redis that is down. */
const DOWN_REDIS_URL = 'redis://127.0.0.1:1';

// One request per minute sustained, so that no test's own slowness refills a bucket by accident.
const perUser: RateLimitPolicy = { name: 'per-user', limit: 60, windowSeconds: 3_600, burst: 5 };
const perIp: RateLimitPolicy = { name: 'per-ip', limit: 60, windowSeconds: 3_600, burst: 10 };

async function connected(limiter: RateLimiter): Promise<RateLimiter> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      await limiter.ping();
      return limiter;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('redis never became ready');
}

describe('RateLimiter (GCRA on the real Redis)', () => {
  const keyPrefix = `rate-limit-it-${randomUUID().slice(0, 8)}`;
  const limiters: RateLimiter[] = [];
  const redis = new Redis(redisUrl, { lazyConnect: true });
  const newLimiter = async (url = redisUrl) => {
    const limiter = new RateLimiter({ redisUrl: url, keyPrefix, commandTimeoutMs: 1_000 }, logger);
    limiters.push(limiter);
    return url === redisUrl ? connected(limiter) : limiter;
  };
  const subject = () => randomUUID();

  afterAll(async () => {
    await Promise.all(limiters.map((limiter) => limiter.close()));
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('allows exactly the burst at once, counting down what remains, and denies the next with the time to wait', async () => {
    const limiter = await newLimiter();
    const check: RateLimitCheck[] = [{ policy: perUser, key: subject() }];

    const decisions = [];
    for (let request = 0; request < 6; request += 1) decisions.push(await limiter.check(check));

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.map((decision) => decision.limiting.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    expect(decisions.every((decision) => decision.decidedBy === 'redis')).toBe(true);
    // One emission interval (60 s) away, less the moments the requests took.
    expect(decisions[5]?.retryAfterMs).toBeGreaterThan(50_000);
    expect(decisions[5]?.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('admits one more request per emission interval once the burst is spent', async () => {
    const limiter = await newLimiter();
    const fast: RateLimitPolicy = { name: 'fast', limit: 20, windowSeconds: 1, burst: 2 };
    const check: RateLimitCheck[] = [{ policy: fast, key: subject() }];
    await limiter.check(check);
    await limiter.check(check);

    const denied = await limiter.check(check);
    await new Promise((resolve) => setTimeout(resolve, denied.retryAfterMs + 5));
    const afterWaiting = await limiter.check(check);

    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(50);
    expect(afterWaiting.allowed).toBe(true);
  });

  it('checks user and IP in one round trip, and a request denied by one limit counts against neither', async () => {
    const limiter = await newLimiter();
    const [user, ip] = [subject(), subject()];
    const both: RateLimitCheck[] = [
      { policy: perUser, key: user },
      { policy: perIp, key: ip },
    ];
    for (let request = 0; request < 5; request += 1) await limiter.check(both);

    const denied = await limiter.check(both);
    const ipOnly = await limiter.check([{ policy: perIp, key: ip }]);

    expect(denied).toMatchObject({ allowed: false, limiting: { policy: perUser } });
    expect(denied.outcomes.map((outcome) => outcome.allowed)).toEqual([false, true]);
    // 10 - 5 requests that passed - this one: the denied request took nothing from the IP.
    expect(ipOnly.limiting.remaining).toBe(4);
  });

  it('shares one limit between two instances with their own connections', async () => {
    const [first, second] = [await newLimiter(), await newLimiter()];
    const check: RateLimitCheck[] = [{ policy: perUser, key: subject() }];

    const allowed = [];
    for (let request = 0; request < 8; request += 1) allowed.push((await (request % 2 === 0 ? first : second).check(check)).allowed);

    expect(allowed.filter(Boolean)).toHaveLength(perUser.burst);
  });

  it('keeps one small value per subject, which expires once the subject is idle again', async () => {
    const limiter = await newLimiter();
    const key = subject();
    await limiter.check([{ policy: perUser, key }]);
    await limiter.check([{ policy: perUser, key }]);

    const redisKey = `${keyPrefix}:per-user:${key}`;
    expect(await redis.type(redisKey)).toBe('string');
    const ttl = await redis.pttl(redisKey);
    expect(ttl).toBeGreaterThan(100_000);
    expect(ttl).toBeLessThanOrEqual(2 * 60_000);
  });

  it('falls back to a local token bucket with the same limit when Redis is down, without failing a request', async () => {
    const limiter = await newLimiter(DOWN_REDIS_URL);
    const check: RateLimitCheck[] = [{ policy: perUser, key: subject() }];

    const decisions = [];
    for (let request = 0; request < 6; request += 1) decisions.push(await limiter.check(check));

    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, true, true, false]);
    expect(decisions.every((decision) => decision.decidedBy === 'local')).toBe(true);
  });
});
