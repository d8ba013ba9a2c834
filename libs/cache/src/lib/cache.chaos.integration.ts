import { setTimeout as sleep } from 'node:timers/promises';
// A chaos test drives the project's own infrastructure: it stops and freezes this stack's Redis.
import { pauseComponent, resumeComponent, startComponent, stopComponent } from '@workshop/infra';
import { CacheInstances } from '../testing/cache-instances';
import { infrastructure } from '../testing/integration-environment';

const commandTimeoutMs = 100;
const loaderDelayMs = 10;
// Generous for a loaded 2-core CI machine; what matters is "about one timeout", not "until Redis is back".
const schedulingSlackMs = 400;

interface Traffic {
  latenciesMs: number[];
  failures: unknown[];
  stop(): Promise<void>;
}

/** Requests from `workers` concurrent callers, back to back, until stopped. */
function startTraffic(request: (index: number) => Promise<unknown>, workers = 8): Traffic {
  const traffic = { latenciesMs: [] as number[], failures: [] as unknown[] };
  let running = true;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let index = worker; running; index += workers) {
      const started = performance.now();
      try {
        await request(index);
      } catch (error) {
        traffic.failures.push(error);
      }
      traffic.latenciesMs.push(performance.now() - started);
      await sleep(2);
    }
  });
  return {
    ...traffic,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const percentile = (values: number[], fraction: number) => [...values].sort((a, b) => a - b)[Math.floor(values.length * fraction)] ?? 0;

/**
 * Redis stopped, and frozen with SIGSTOP (connections stay open, nothing answers), while
 * requests flow: none fails, p99 stays within the command timeout plus the loader, and once
 * Redis is back the cache hits again. The memory tier is off, so every request meets Redis.
 */
(infrastructure.external.redis ? describe.skip : describe)('Cache when Redis fails under traffic (chaos)', () => {
  let instances: CacheInstances;

  beforeEach(() => {
    instances = new CacheInstances();
  });

  afterEach(async () => {
    // Whatever happened, leave Redis running for the next test (startComponent also resumes a paused one).
    await startComponent('redis');
    await instances.closeAll();
  });

  it.each([
    ['stopped', () => stopComponent('redis')],
    ['paused with SIGSTOP', () => pauseComponent('redis')],
  ])(
    'serves every request while Redis is %s, within the command timeout, and hits again after it returns',
    async (_outage, breakRedis) => {
      const { cache } = await instances.create({ memory: false, commandTimeoutMs, breakerFailureThreshold: 3, breakerOpenDurationMs: 300 });
      let loaderCalls = 0;
      const loader = (key: string) => async () => {
        loaderCalls += 1;
        await sleep(loaderDelayMs);
        return { key };
      };
      const request = (index: number) => cache.getOrSet(`item:${index % 20}`, loader(`item:${index % 20}`));

      const traffic = startTraffic(request);
      await sleep(300);
      await breakRedis();
      await sleep(1_500);
      await resumeComponent('redis').catch(() => undefined);
      await startComponent('redis');
      await sleep(300);
      await traffic.stop();

      expect(traffic.failures).toEqual([]);
      expect(traffic.latenciesMs.length).toBeGreaterThan(50);
      expect(percentile(traffic.latenciesMs, 0.99)).toBeLessThan(commandTimeoutMs + loaderDelayMs + schedulingSlackMs);

      // Hits resume: once the breaker lets Redis back in, a filled key is served without the loader.
      await sleep(400);
      await cache.getOrSet('after-outage', loader('after-outage'));
      const callsBefore = loaderCalls;
      await cache.getOrSet('after-outage', loader('after-outage'));
      expect(loaderCalls).toBe(callsBefore);
    },
    60_000,
  );
});
