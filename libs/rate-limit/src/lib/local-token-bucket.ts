import { type RateLimitCheck, type RateLimitOutcome } from './rate-limit-policy';

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * The fallback while Redis is unreachable: a token bucket per key in this process's memory. A
 * bucket holds up to `burst` tokens and refills at `limit / windowSeconds` per second, which is
 * the same limit GCRA enforces, only per instance: with N gateway instances a subject may get up
 * to N times its limit until Redis returns. That is the bound on this fail-open.
 *
 * Memory is bounded too: at most `maxKeys` buckets, the least recently used evicted first (an
 * evicted subject starts again with a full bucket).
 */
export class LocalTokenBucket {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly maxKeys = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  check(checks: readonly RateLimitCheck[]): RateLimitOutcome[] {
    const at = this.now();
    const states = checks.map((check) => ({ check, bucket: this.refilled(check, at) }));
    // As in the Redis script: the request takes a token from every bucket or from none.
    const requestAllowed = states.every(({ bucket }) => bucket.tokens >= 1);
    return states.map(({ check, bucket }) => {
      const tokensPerMs = check.policy.limit / (check.policy.windowSeconds * 1000);
      const allowed = bucket.tokens >= 1;
      if (requestAllowed) bucket.tokens -= 1;
      this.remember(`${check.policy.name}:${check.key}`, bucket);
      return {
        policy: check.policy,
        key: check.key,
        allowed,
        remaining: Math.floor(bucket.tokens),
        resetMs: Math.ceil((check.policy.burst - bucket.tokens) / tokensPerMs),
        retryAfterMs: allowed ? 0 : Math.ceil((1 - bucket.tokens) / tokensPerMs),
      };
    });
  }

  private refilled(check: RateLimitCheck, at: number): Bucket {
    const name = `${check.policy.name}:${check.key}`;
    const bucket = this.buckets.get(name) ?? { tokens: check.policy.burst, refilledAt: at };
    const tokensPerMs = check.policy.limit / (check.policy.windowSeconds * 1000);
    bucket.tokens = Math.min(check.policy.burst, bucket.tokens + (at - bucket.refilledAt) * tokensPerMs);
    bucket.refilledAt = at;
    return bucket;
  }

  private remember(name: string, bucket: Bucket): void {
    // Re-inserting moves the key to the end: Map iteration order is then least recently used first.
    this.buckets.delete(name);
    this.buckets.set(name, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
  }
}
