import Redis from 'ioredis';
import { type Logger } from '@workshop/observability';
import { type ObservedGeneration, type RemoteCacheStore } from './remote-cache-store';

export interface RedisConnectionOptions {
  redisUrl: string;
  /** Hard limit on every command. */
  commandTimeoutMs: number;
}

/** Reconnect delays: quick at first, then every 2 s while Redis stays down. */
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * An ioredis client configured so a sick Redis answers fast instead of holding requests:
 * - `commandTimeout`: every command fails after `commandTimeoutMs`, even on a socket that went silent
 *   (a SIGSTOPped server keeps its connections open and never answers).
 * - `enableOfflineQueue: false`: while disconnected, commands fail at once instead of queueing
 *   until Redis returns (a queue that would grow without bound and answer minutes late).
 * - `maxRetriesPerRequest: 1`: a command cut off by a dropped connection is retried once.
 * Losing and regaining the connection is logged once each, not once per reconnect attempt.
 * `autoPipelining` sends the commands issued in one turn of the event loop as one write (see
 * `RedisCacheStore`); a subscriber connection cannot take it.
 */
export function createRedisClient(
  options: RedisConnectionOptions,
  logger: Logger,
  role: string,
  { autoPipelining = false }: { autoPipelining?: boolean } = {},
): Redis {
  const redis = new Redis(options.redisUrl, {
    enableAutoPipelining: autoPipelining,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(options.commandTimeoutMs * 4, 1000),
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // How long disconnect() lets a socket close gracefully. ioredis arms this timer even when the
    // socket is already gone, keeping the process alive for it: bound it by the command timeout.
    disconnectTimeout: options.commandTimeoutMs,
  });
  let healthy = true;
  redis.on('error', (error: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ err: error, role }, 'redis connection failed; continuing without it until it recovers');
  });
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.info({ role }, 'redis connection restored');
  });
  return redis;
}

/** Quits politely when connected; otherwise just stops reconnecting. */
export async function closeRedisClient(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}

// Each script runs atomically on the server: no other command runs between its reads and writes.

/** KEYS[1] the entry, KEYS[2..] generation keys; ARGV[1] value, ARGV[2] TTL in ms, ARGV[3..] observed ('' = absent). */
const SET_IF_GENERATIONS_UNCHANGED = `
for index = 2, #KEYS do
  local current = redis.call('GET', KEYS[index]) or ''
  if current ~= ARGV[index + 1] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** KEYS: ARGV[1] generation keys, then the entries; ARGV[2] the generation keys' TTL in ms. */
const INVALIDATE = `
local generationCount = tonumber(ARGV[1])
for index = 1, generationCount do
  redis.call('INCR', KEYS[index])
  redis.call('PEXPIRE', KEYS[index], ARGV[2])
end
for index = generationCount + 1, #KEYS do redis.call('DEL', KEYS[index]) end
return 1`;

/** KEYS[1] the lease, ARGV[1] the owner's token. */
const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface ScriptedRedis extends Redis {
  setIfGenerationsUnchanged(numberOfKeys: number, ...keysAndArguments: string[]): Promise<number>;
  invalidateEntries(numberOfKeys: number, ...keysAndArguments: string[]): Promise<number>;
  releaseLease(key: string, token: string): Promise<number>;
}

/**
 * The remote tier on Redis. Conditional writes, invalidations and lease releases are Lua scripts
 * (EVALSHA, loaded once per connection), so each is atomic and one round trip. All keys of one
 * call must live on one node: fine for a single Redis or a primary with replicas; on Redis Cluster
 * the namespace would have to become a hash tag (`{user-service}:...`).
 */
export class RedisCacheStore implements RemoteCacheStore {
  readonly kind = 'redis';
  /** ioredis's `commandTimeout` covers every command, EVALSHA included, even on a silent socket. */
  readonly boundsEveryCall = true;
  private readonly redis: ScriptedRedis;

  constructor(options: RedisConnectionOptions, logger: Logger) {
    // Auto-pipelining: the cache reads of concurrent requests (one MGET each) leave in one socket
    // write instead of one write each. Under load the write was the largest line of user-service's
    // CPU profile (13%); each command keeps its own reply, error and timeout, and order is kept.
    // At a moderate rate a turn mostly carries one command, which costs a little more this way.
    const redis = createRedisClient(options, logger, 'cache-store', { autoPipelining: true });
    redis.defineCommand('setIfGenerationsUnchanged', { lua: SET_IF_GENERATIONS_UNCHANGED });
    redis.defineCommand('invalidateEntries', { lua: INVALIDATE });
    redis.defineCommand('releaseLease', { numberOfKeys: 1, lua: RELEASE_LEASE });
    this.redis = redis as ScriptedRedis;
  }

  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return this.redis.mget(...keys);
  }

  async setIfGenerationsUnchanged(key: string, value: string, ttlMs: number, generations: readonly ObservedGeneration[]): Promise<boolean> {
    const written = await this.redis.setIfGenerationsUnchanged(
      1 + generations.length,
      key,
      ...generations.map((generation) => generation.key),
      value,
      String(Math.max(1, Math.ceil(ttlMs))),
      ...generations.map((generation) => generation.observed ?? ''),
    );
    return written === 1;
  }

  async invalidate(entryKeys: readonly string[], generationKeys: readonly string[], generationTtlMs: number): Promise<void> {
    const keys = [...generationKeys, ...entryKeys];
    if (keys.length === 0) return;
    await this.redis.invalidateEntries(keys.length, ...keys, String(generationKeys.length), String(generationTtlMs));
  }

  async acquireLease(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK';
  }

  async releaseLease(key: string, token: string): Promise<void> {
    await this.redis.releaseLease(key, token);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  close(): Promise<void> {
    return closeRedisClient(this.redis);
  }
}
