import { createLogger, type Logger } from '@workshop/observability';
import { LocalTokenBucket } from './local-token-bucket';
import { assertValidPolicy, decide, type RateLimitCheck, type RateLimitDecision, type RateLimitOutcome } from './rate-limit-policy';
import { rateLimitDecisionsTotal } from './rate-limit.metrics';
import { RedisGcraStore } from './redis-gcra-store';

export interface RateLimiterConfig {
  redisUrl: string;
  /** Prefix of the Redis keys; instances sharing a limit must share it. Default `rate-limit`. */
  keyPrefix?: string;
  /** Budget of one Redis round trip; past it this instance decides alone. Default 100 ms. */
  commandTimeoutMs?: number;
  /** After a Redis failure, how long to decide locally before trying Redis again. Default 1 s. */
  redisRetryAfterMs?: number;
  /** Most subjects the local fallback tracks. Default 10 000. */
  localMaxKeys?: number;
}

/** The store the limiter asks first; RedisGcraStore in production, a fake in unit tests. */
export interface SharedRateLimitStore {
  check(checks: readonly RateLimitCheck[]): Promise<RateLimitOutcome[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Transport-agnostic rate limiting: every check of a request (per user, per IP, per route) is
 * decided in one Redis round trip by GCRA, so all gateway instances share one limit. When Redis
 * fails or is too slow, a local token bucket decides instead (bounded fail-open: at most the
 * limit per instance) and Redis is retried after `redisRetryAfterMs`, so an outage costs each
 * request at most one timeout per retry period, not one each.
 */
export class RateLimiter {
  private readonly store: SharedRateLimitStore;
  private readonly local: LocalTokenBucket;
  private readonly redisRetryAfterMs: number;
  private redisSkippedUntil = 0;

  constructor(config: RateLimiterConfig, logger: Logger = createLogger('rate-limit'), store?: SharedRateLimitStore) {
    const scopedLogger = logger.child({ component: 'rate-limiter' });
    this.store =
      store ??
      new RedisGcraStore(
        { redisUrl: config.redisUrl, keyPrefix: config.keyPrefix ?? 'rate-limit', commandTimeoutMs: config.commandTimeoutMs ?? 100 },
        scopedLogger,
      );
    this.local = new LocalTokenBucket(config.localMaxKeys ?? 10_000);
    this.redisRetryAfterMs = config.redisRetryAfterMs ?? 1_000;
  }

  /** Decides one request against all its checks; never throws because of Redis. */
  async check(checks: readonly RateLimitCheck[]): Promise<RateLimitDecision> {
    checks.forEach((check) => assertValidPolicy(check.policy));
    const decision = await this.decide(checks);
    rateLimitDecisionsTotal.inc({ result: decision.allowed ? 'allowed' : 'limited', decided_by: decision.decidedBy });
    return decision;
  }

  /** Rejects when Redis does not answer: for tests and dashboards, not readiness (the limiter works without it). */
  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async decide(checks: readonly RateLimitCheck[]): Promise<RateLimitDecision> {
    if (Date.now() >= this.redisSkippedUntil) {
      try {
        return decide(await this.store.check(checks), 'redis');
      } catch {
        // Logged once per outage by the store's connection events, not once per request.
        this.redisSkippedUntil = Date.now() + this.redisRetryAfterMs;
      }
    }
    return decide(this.local.check(checks), 'local');
  }
}
