/**
 * `nx run cache:bench`: what the cache costs and saves, measured in one run on the project's
 * Redis (started if needed): a raw ioredis GET (the baseline), getOrSet on a memory hit,
 * getOrSet on a Redis hit (memory tier off), and a cold-key stampede across 4 instances.
 * Prints ops/s and p50/p99 for each, the ratios against the baseline, and one final JSON line.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
// A benchmark brings up the project's own Redis, like the integration tests' global setup.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { startInfrastructure } from '@workshop/infra';
import { createLogger } from '@workshop/observability';
import { Cache } from '../src/lib/cache';
import { MemoryTier } from '../src/lib/memory-tier';
import { RedisCacheStore } from '../src/lib/stores/redis-cache-store';
import { ResilientCacheStore } from '../src/lib/stores/resilient-cache-store';

const logger = createLogger('cache-bench', 'silent');
const namespace = `cache-bench-${randomUUID().slice(0, 8)}`;
const value = {
  id: '6b0c9a1e-0000-4000-8000-000000000000',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  createdAt: '2026-01-01T00:00:00.000Z',
};

interface Figures {
  opsPerSecond: number;
  p50Us: number;
  p99Us: number;
}

type Operation = () => Promise<unknown>;

/**
 * Runs the cases in alternating batches, so a noisy neighbour on a shared machine slows them all
 * alike instead of skewing the ratio against whichever case ran during the noise. Every 8th call
 * is timed on its own for the percentiles; throughput comes from the untimed batch total.
 */
async function measureInterleaved<Name extends string>(
  cases: Record<Name, { operation: Operation; batch: number }>,
  rounds: number,
): Promise<Record<Name, Figures>> {
  const entries = Object.entries(cases) as [Name, { operation: Operation; batch: number }][];
  const measured = entries.map(([name, { operation, batch }]) => ({
    name,
    operation,
    batch,
    samples: [] as number[],
    calls: 0,
    seconds: 0,
  }));
  for (const { operation, batch } of measured) {
    for (let index = 0; index < Math.min(2_000, batch); index += 1) await operation(); // warm-up
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const current of measured) {
      const started = process.hrtime.bigint();
      for (let index = 0; index < current.batch; index += 1) {
        if (index % 8 !== 0) {
          await current.operation();
          continue;
        }
        const before = process.hrtime.bigint();
        await current.operation();
        current.samples.push(Number(process.hrtime.bigint() - before) / 1_000);
      }
      current.seconds += Number(process.hrtime.bigint() - started) / 1e9;
      current.calls += current.batch;
    }
  }
  return Object.fromEntries(
    measured.map((current) => [current.name, summarize(Float64Array.from(current.samples), current.calls / current.seconds)]),
  ) as Record<Name, Figures>;
}

function summarize(latenciesUs: Float64Array, opsPerSecond: number): Figures {
  const sorted = [...latenciesUs].sort((a, b) => a - b);
  const at = (fraction: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0);
  return { opsPerSecond: Math.round(opsPerSecond), p50Us: at(0.5), p99Us: at(0.99) };
}

const round = (number: number, digits = 1) => Math.round(number * 10 ** digits) / 10 ** digits;

function createCache(redisUrl: string, memory: boolean): Cache {
  const store = new RedisCacheStore({ redisUrl, commandTimeoutMs: 1_000 }, logger);
  const remote = new ResilientCacheStore(store, { commandTimeoutMs: 1_000, breakerFailureThreshold: 5, breakerOpenDurationMs: 1_000 });
  return new Cache(
    { namespace, logger, policy: { ttlMs: 600_000 } },
    { remote, memory: memory ? new MemoryTier({ maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 }) : undefined },
  );
}

/** Rounds of `concurrency` requests for one new key spread over `caches`; the loader takes `loaderMs`. */
async function stampede(caches: Cache[], rounds: number, concurrency: number, loaderMs: number) {
  const latencies: number[] = [];
  let loaderCalls = 0;
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round += 1) {
    const key = `cold:${round}`;
    const loader = async () => {
      loaderCalls += 1;
      await sleep(loaderMs);
      return value;
    };
    await Promise.all(
      Array.from({ length: concurrency }, async (_, request) => {
        const before = process.hrtime.bigint();
        await caches[request % caches.length]?.getOrSet(key, loader);
        latencies.push(Number(process.hrtime.bigint() - before) / 1_000);
      }),
    );
  }
  const elapsedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { ...summarize(Float64Array.from(latencies), (rounds * concurrency) / elapsedSeconds), loaderCallsPerKey: loaderCalls / rounds };
}

async function main(): Promise<void> {
  const { redis } = await startInfrastructure();
  const raw = new Redis(redis.url);
  const memoryCache = createCache(redis.url, true);
  const redisCache = createCache(redis.url, false);
  const stampedeCaches = Array.from({ length: 4 }, () => createCache(redis.url, true));
  try {
    await raw.set(`${namespace}:raw`, JSON.stringify(value));
    await redisCache.getOrSet('hot', () => Promise.resolve(value));
    await memoryCache.getOrSet('hot', () => Promise.resolve(value));
    const mustHit = () => Promise.reject(new Error('the benchmark expected a hit'));

    const measured = await measureInterleaved(
      {
        // The baseline parses the JSON too: a cache returns objects, not text.
        rawGet: { operation: () => raw.get(`${namespace}:raw`).then((text) => JSON.parse(text ?? 'null') as unknown), batch: 2_000 },
        redisHit: { operation: () => redisCache.getOrSet('hot', mustHit), batch: 2_000 },
        memoryHit: { operation: () => memoryCache.getOrSet('hot', mustHit), batch: 50_000 },
      },
      10,
    );
    const { rawGet, redisHit, memoryHit } = measured;
    const coldStampede = await stampede(stampedeCaches, 30, 200, 5);

    const ratios = {
      redisHitOverRawGet: round(redisHit.opsPerSecond / rawGet.opsPerSecond, 2),
      memoryHitOverRawGet: round(memoryHit.opsPerSecond / rawGet.opsPerSecond, 1),
    };
    const rows: [string, Figures][] = [
      ['raw ioredis GET (baseline)', rawGet],
      ['getOrSet, Redis hit', redisHit],
      ['getOrSet, memory hit', memoryHit],
      ['cold stampede (4 instances x 200 requests/key)', coldStampede],
    ];
    console.log(`${'case'.padEnd(48)} ${'ops/s'.padStart(10)} ${'p50 µs'.padStart(9)} ${'p99 µs'.padStart(9)}`);
    for (const [name, figures] of rows) {
      console.log(
        `${name.padEnd(48)} ${String(figures.opsPerSecond).padStart(10)} ${String(figures.p50Us).padStart(9)} ${String(figures.p99Us).padStart(9)}`,
      );
    }
    console.log(`loader calls per cold key in the stampede: ${coldStampede.loaderCallsPerKey}`);
    console.log(
      `Redis hit / raw GET: ${ratios.redisHitOverRawGet} (target >= 0.8); memory hit / raw GET: ${ratios.memoryHitOverRawGet}x (target >= 20)`,
    );
    console.log(JSON.stringify({ benchmark: 'cache', rawGet, redisHit, memoryHit, coldStampede, ratios }));
  } finally {
    const keys = await raw.keys(`${namespace}*`);
    if (keys.length > 0) await raw.del(...keys);
    await Promise.all([raw.quit(), memoryCache.close(), redisCache.close(), ...stampedeCaches.map((cache) => cache.close())]);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
