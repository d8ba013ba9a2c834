import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { loadInfrastructureConfig } from '@workshop/config';
import { createLogger, metricsRegistry } from '@workshop/observability';
import { RedisCache } from './redis-cache';
import { type Serializer } from './serializer';

const redisUrl = loadInfrastructureConfig().redis.url;
const runId = randomUUID().slice(0, 8);
const logger = createLogger('cache-integration-test', 'silent');

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = metricsRegistry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  return values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))?.value ?? 0;
}

/** Waits until a cache's Redis connection is ready, before a test measures anything. */
async function waitUntilReady(cache: RedisCache): Promise<void> {
  // Generous: on a freshly started stack Redis may still be loading when the first test runs.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      await cache.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('redis never became ready');
}

const slowLoader =
  <T>(value: T, delayMs: number) =>
  () =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), delayMs));

describe('RedisCache against the real Redis', () => {
  const namespace = `cache-it-${runId}`;
  // A plain client to look at what the cache stored, as an operator with redis-cli would.
  let inspector: Redis;
  let cache: RedisCache;

  beforeAll(async () => {
    inspector = new Redis(redisUrl);
    cache = new RedisCache({ redisUrl, namespace, defaultTtlSeconds: 60 }, logger);
    await waitUntilReady(cache);
  });

  afterAll(async () => {
    const keys = await inspector.keys(`${namespace}:*`);
    if (keys.length > 0) await inspector.del(...keys);
    await cache.close();
    await inspector.quit();
  });

  it('misses, loads once, then hits; the entry sits under the namespaced key', async () => {
    const loader = jest.fn(() => Promise.resolve({ id: 1, email: 'ada@example.com' }));

    expect(await cache.getOrSet('user:1', loader)).toEqual({ id: 1, email: 'ada@example.com' });
    expect(await cache.getOrSet('user:1', loader)).toEqual({ id: 1, email: 'ada@example.com' });

    expect(loader).toHaveBeenCalledTimes(1);
    expect(await inspector.get(`${namespace}:user:1`)).toBe('{"id":1,"email":"ada@example.com"}');
    expect(await counterValue('cache_requests_total', { namespace, result: 'hit' })).toBe(1);
  });

  it('sets the TTL on the key: the default, or the per-call one', async () => {
    await cache.getOrSet('default-ttl', () => Promise.resolve('x'));
    await cache.getOrSet('short-ttl', () => Promise.resolve('y'), { ttlSeconds: 5 });

    const defaultTtl = await inspector.ttl(`${namespace}:default-ttl`);
    const shortTtl = await inspector.ttl(`${namespace}:short-ttl`);
    expect(defaultTtl).toBeGreaterThan(55);
    expect(defaultTtl).toBeLessThanOrEqual(60);
    expect(shortTtl).toBeGreaterThan(0);
    expect(shortTtl).toBeLessThanOrEqual(5);
  });

  it('delete invalidates: the next read calls the loader again', async () => {
    await cache.getOrSet('order:9', () => Promise.resolve('v1'));
    await cache.delete('order:9');

    expect(await inspector.exists(`${namespace}:order:9`)).toBe(0);
    expect(await cache.getOrSet('order:9', () => Promise.resolve('v2'))).toBe('v2');
  });

  it('round-trips Dates with a custom serializer', async () => {
    interface Session {
      userId: number;
      expiresAt: Date;
    }
    const sessionSerializer: Serializer<Session> = {
      serialize: (session) => JSON.stringify({ ...session, expiresAt: session.expiresAt.toISOString() }),
      deserialize: (text) => {
        const stored = JSON.parse(text) as { userId: number; expiresAt: string };
        return { userId: stored.userId, expiresAt: new Date(stored.expiresAt) };
      },
    };
    const session = { userId: 3, expiresAt: new Date('2030-01-02T03:04:05.678Z') };

    await cache.getOrSet('session:3', () => Promise.resolve(session), { serializer: sessionSerializer });
    const cached = await cache.getOrSet('session:3', () => Promise.reject(new Error('should hit')), { serializer: sessionSerializer });

    expect(cached.expiresAt).toBeInstanceOf(Date);
    expect(cached).toEqual(session);
  });

  it('does not cache a loader error or an undefined value', async () => {
    await expect(cache.getOrSet('broken', () => Promise.reject(new Error('loader failed')))).rejects.toThrow('loader failed');
    await cache.getOrSet('undefined', () => Promise.resolve(undefined));
    expect(await inspector.exists(`${namespace}:broken`, `${namespace}:undefined`)).toBe(0);
  });
});

describe('RedisCache when Redis is unavailable (fail open)', () => {
  const commandTimeoutMs = 200;
  const loaderDelayMs = 50;
  // Generous slack for a loaded CI machine; what matters is "about one timeout", not "forever".
  const schedulingSlackMs = 300;

  it('serves the loader at once when nothing listens on the port, and never throws', async () => {
    const namespace = `cache-it-dead-${runId}`;
    const cache = new RedisCache({ redisUrl: 'redis://127.0.0.1:1', namespace, defaultTtlSeconds: 60, commandTimeoutMs }, logger);
    try {
      const started = Date.now();
      expect(await cache.getOrSet('k', slowLoader('from-loader', loaderDelayMs))).toBe('from-loader');
      expect(Date.now() - started).toBeLessThan(commandTimeoutMs + loaderDelayMs + schedulingSlackMs);

      await expect(cache.delete('k')).resolves.toBeUndefined();
      await expect(cache.ping()).rejects.toThrow();
      expect(await counterValue('cache_requests_total', { namespace, result: 'error' })).toBe(1);
      expect(await counterValue('cache_errors_total', { namespace, operation: 'delete' })).toBe(1);
    } finally {
      await cache.close();
    }
  });

  describe('a server that accepts connections but never answers', () => {
    let silentServer: Server;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      silentServer = createServer((socket) => {
        sockets.add(socket);
        socket.on('data', () => undefined);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silentServer.close(() => resolve()));
    });

    it('returns the loader value within the command timeout plus the loader time', async () => {
      const { port } = silentServer.address() as AddressInfo;
      const namespace = `cache-it-silent-${runId}`;
      const cache = new RedisCache({ redisUrl: `redis://127.0.0.1:${port}`, namespace, defaultTtlSeconds: 60, commandTimeoutMs }, logger);
      try {
        // Let the TCP connection open, so the command meets a socket that is connected but mute.
        await waitForConnection(sockets);
        const started = Date.now();
        expect(await cache.getOrSet('k', slowLoader('from-loader', loaderDelayMs))).toBe('from-loader');
        expect(Date.now() - started).toBeLessThan(commandTimeoutMs + loaderDelayMs + schedulingSlackMs);
      } finally {
        await cache.close();
      }
    });
  });

  describe('a Redis that completes the handshake, then goes silent', () => {
    let stallingServer: Server;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      // Answers the connection handshake (ioredis's CLIENT SETINFO and its INFO ready check) like
      // a healthy Redis, then never answers again: the case only `commandTimeout` catches, since
      // the connection looks ready.
      stallingServer = createServer((socket) => {
        sockets.add(socket);
        socket.on('data', (chunk: Buffer) => {
          for (const command of parseCommandNames(chunk.toString())) {
            if (command === 'info') {
              const info = '# Server\r\nredis_version:7.0.0\r\nloading:0\r\n';
              socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
            } else if (command === 'client') {
              socket.write('+OK\r\n');
            }
          }
        });
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => stallingServer.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => stallingServer.close(() => resolve()));
    });

    it('times the command out and serves the loader', async () => {
      const { port } = stallingServer.address() as AddressInfo;
      const namespace = `cache-it-stalled-${runId}`;
      const cache = new RedisCache({ redisUrl: `redis://127.0.0.1:${port}`, namespace, defaultTtlSeconds: 60, commandTimeoutMs }, logger);
      try {
        await waitForConnection(sockets);
        await new Promise((resolve) => setTimeout(resolve, 50)); // the INFO round trip
        const started = Date.now();
        expect(await cache.getOrSet('k', slowLoader('from-loader', loaderDelayMs))).toBe('from-loader');
        const elapsedMs = Date.now() - started;
        // It really waited for the timeout (the connection was "ready"), and no longer.
        expect(elapsedMs).toBeGreaterThanOrEqual(commandTimeoutMs);
        expect(elapsedMs).toBeLessThan(commandTimeoutMs + loaderDelayMs + schedulingSlackMs);
        expect(await counterValue('cache_errors_total', { namespace, operation: 'get' })).toBe(1);
      } finally {
        await cache.close();
      }
    });
  });
});

async function waitForConnection(sockets: Set<Socket>): Promise<void> {
  for (let attempt = 0; attempt < 100 && sockets.size === 0; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (sockets.size === 0) throw new Error('the client never connected');
}

/** The command names in a chunk of RESP requests (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n` -> ['get']). */
function parseCommandNames(resp: string): string[] {
  const lines = resp.split('\r\n');
  const names: string[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    if (!lines[index].startsWith('*')) continue;
    const argumentCount = Number(lines[index].slice(1));
    names.push(lines[index + 2].toLowerCase());
    index += argumentCount * 2;
  }
  return names;
}
