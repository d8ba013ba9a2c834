import Redis from 'ioredis';
import { type Logger } from '@workshop/observability';
import { GCRA_SCRIPT } from './gcra.script';
import { emissionIntervalMicros, type RateLimitCheck, type RateLimitOutcome } from './rate-limit-policy';

export interface RedisGcraStoreOptions {
  redisUrl: string;
  /** Prefix of every key, `<prefix>:<policy>:<subject>`. */
  keyPrefix: string;
  commandTimeoutMs: number;
}

type GcraReply = number[];

interface RedisWithGcra extends Redis {
  gcra(...keysAndArgs: (string | number)[]): Promise<GcraReply>;
}

/**
 * Runs the GCRA script on Redis. ioredis's defineCommand sends EVALSHA and falls back to EVAL
 * once when the script is not cached yet (after a Redis restart), so the script text crosses the
 * wire rarely. Like the cache, it fails fast instead of queueing while Redis is away.
 */
export class RedisGcraStore {
  private readonly redis: RedisWithGcra;
  private connectionHealthy = true;

  constructor(
    private readonly options: RedisGcraStoreOptions,
    private readonly logger: Logger,
  ) {
    this.redis = new Redis(options.redisUrl, {
      commandTimeout: options.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: Math.max(options.commandTimeoutMs * 4, 1000),
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
      disconnectTimeout: options.commandTimeoutMs,
    }) as RedisWithGcra;
    this.redis.defineCommand('gcra', { lua: GCRA_SCRIPT });
    this.redis.on('error', (error: Error) => {
      if (!this.connectionHealthy) return;
      this.connectionHealthy = false;
      this.logger.warn({ err: error }, 'redis connection failed; rate limits fall back to this instance until it recovers');
    });
    this.redis.on('ready', () => {
      if (this.connectionHealthy) return;
      this.connectionHealthy = true;
      this.logger.info('redis connection restored; rate limits are shared again');
    });
  }

  async check(checks: readonly RateLimitCheck[]): Promise<RateLimitOutcome[]> {
    const keys = checks.map((check) => `${this.options.keyPrefix}:${check.policy.name}:${check.key}`);
    const args = checks.flatMap((check) => [emissionIntervalMicros(check.policy), check.policy.burst]);
    const reply = await this.redis.gcra(keys.length, ...keys, ...args);
    return checks.map((check, index) => {
      const [remaining = 0, resetMicros = 0, retryAfterMicros = 0] = reply.slice(3 * index + 1, 3 * index + 4);
      return {
        policy: check.policy,
        key: check.key,
        allowed: retryAfterMicros === 0,
        remaining,
        resetMs: Math.ceil(resetMicros / 1000),
        retryAfterMs: Math.ceil(retryAfterMicros / 1000),
      };
    });
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
