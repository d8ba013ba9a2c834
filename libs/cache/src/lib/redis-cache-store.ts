import Redis from 'ioredis';
import { type Logger } from '@workshop/observability';
import { type CacheStore } from './cache-store';

export interface RedisCacheStoreOptions {
  redisUrl: string;
  commandTimeoutMs: number;
}

/** Reconnect delays: quick at first, then every 2 s while Redis stays down. */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * `CacheStore` on ioredis, configured so a sick Redis answers fast instead of holding requests:
 * - `commandTimeout`: every command fails after `commandTimeoutMs`, even on a socket that went silent.
 * - `enableOfflineQueue: false`: while disconnected, commands fail at once instead of queueing
 *   until Redis returns (a queue that would grow without bound and answer minutes late).
 * - `maxRetriesPerRequest: 1`: a command cut off by a dropped connection is retried once after
 *   reconnecting, not twenty times (ioredis's default).
 * The price: commands sent before the first connection is ready fail too, so the first few
 * requests after start-up are served by their loaders.
 */
export class RedisCacheStore implements CacheStore {
  private readonly redis: Redis;
  private connectionHealthy = true;

  constructor(
    options: RedisCacheStoreOptions,
    private readonly logger: Logger,
  ) {
    this.redis = new Redis(options.redisUrl, {
      commandTimeout: options.commandTimeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: Math.max(options.commandTimeoutMs * 4, 1000),
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
      // How long disconnect() lets a socket close gracefully. ioredis arms this timer even when
      // the socket is already gone (closing while reconnecting), keeping the process alive for
      // it; the command timeout is the budget for everything else Redis does, so use it here too.
      disconnectTimeout: options.commandTimeoutMs,
    });
    // Without an 'error' listener ioredis prints every failed reconnect attempt. Log only the
    // transitions (lost, restored) so an outage is one warning, not one per retry.
    this.redis.on('error', (error: Error) => {
      if (!this.connectionHealthy) return;
      this.connectionHealthy = false;
      this.logger.warn({ err: error }, 'redis connection failed; cache is bypassed until it recovers');
    });
    this.redis.on('ready', () => {
      if (this.connectionHealthy) return;
      this.connectionHealthy = true;
      this.logger.info('redis connection restored');
    });
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(key, value, 'EX', ttlSeconds);
  }

  async delete(keys: readonly string[]): Promise<void> {
    await this.redis.del(...keys);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    if (this.redis.status === 'end') return;
    try {
      await this.redis.quit();
    } catch {
      // Not connected, so there is nothing to say goodbye to: just stop reconnecting.
      this.redis.disconnect();
    }
  }
}
