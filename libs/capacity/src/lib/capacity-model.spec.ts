import { type CallHandler, type ExecutionContext } from '@nestjs/common';
import { lastValueFrom, of, throwError, timer, map } from 'rxjs';
import { CapacityModelInterceptor, ConcurrencyLimiter, capacityModelFrom } from './capacity-model';

const rpcContext = { getType: () => 'rpc' } as unknown as ExecutionContext;
const httpContext = { getType: () => 'http' } as unknown as ExecutionContext;

describe('capacityModelFrom', () => {
  it('is off when neither variable is set', () => {
    expect(capacityModelFrom({})).toBeUndefined();
  });

  it('is on when either is set, the other meaning no limit', () => {
    expect(capacityModelFrom({ CAPACITY_MAX_CONCURRENCY: 4 })).toEqual({ maxConcurrency: 4, serviceTimeMs: 0 });
    expect(capacityModelFrom({ CAPACITY_SERVICE_TIME_MS: 10 })).toEqual({ maxConcurrency: Number.POSITIVE_INFINITY, serviceTimeMs: 10 });
  });
});

describe('ConcurrencyLimiter', () => {
  it('lets `limit` callers in and queues the rest in arrival order', async () => {
    const limiter = new ConcurrencyLimiter(2);
    const order: string[] = [];
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    const third = limiter.acquire().then((release) => (order.push('third'), release));
    const fourth = limiter.acquire().then((release) => (order.push('fourth'), release));
    await Promise.resolve();
    expect([limiter.inFlight, limiter.queued]).toEqual([2, 2]);

    first();
    (await third)();
    second();
    (await fourth)();

    expect(order).toEqual(['third', 'fourth']);
    expect([limiter.inFlight, limiter.queued]).toEqual([0, 0]);
  });

  it('ignores a second release of the same slot', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = await limiter.acquire();
    release();
    release();
    expect(limiter.inFlight).toBe(0);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(RangeError);
  });
});

describe('CapacityModelInterceptor', () => {
  it('serves at most maxConcurrency calls at once, each at least serviceTimeMs', async () => {
    const interceptor = new CapacityModelInterceptor({ maxConcurrency: 2, serviceTimeMs: 30 });
    let running = 0;
    let peak = 0;
    const handler: CallHandler = {
      handle: () => {
        running += 1;
        peak = Math.max(peak, running);
        return timer(5).pipe(map(() => (running -= 1)));
      },
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => lastValueFrom(interceptor.intercept(rpcContext, handler))));
    const elapsed = performance.now() - started;

    expect(peak).toBe(2);
    // Six calls, two at a time, each at least 30 ms: three rounds.
    expect(elapsed).toBeGreaterThanOrEqual(3 * 30);
  });

  it('frees the slot when the handler fails', async () => {
    const interceptor = new CapacityModelInterceptor({ maxConcurrency: 1, serviceTimeMs: 0 });
    const failing: CallHandler = { handle: () => throwError(() => new Error('boom')) };
    await expect(lastValueFrom(interceptor.intercept(rpcContext, failing))).rejects.toThrow('boom');
    await expect(lastValueFrom(interceptor.intercept(rpcContext, { handle: () => of('ok') }))).resolves.toBe('ok');
  });

  it('leaves HTTP (health, metrics) alone', async () => {
    const interceptor = new CapacityModelInterceptor({ maxConcurrency: 1, serviceTimeMs: 60_000 });
    await expect(lastValueFrom(interceptor.intercept(httpContext, { handle: () => of('ready') }))).resolves.toBe('ready');
  });
});
