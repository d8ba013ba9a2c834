import { status as GrpcStatus } from '@grpc/grpc-js';
import { type ExecutionContext } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { type RateLimitCheck, type RateLimitOutcome, type RateLimitPolicy } from './rate-limit-policy';
import { RateLimitExceededError } from './rate-limit-exceeded.error';
import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter, type SharedRateLimitStore } from './rate-limiter';
import { createLogger } from '@workshop/observability';

const perUser: RateLimitPolicy = { name: 'per-user', limit: 600, windowSeconds: 60, burst: 2 };
const perIp: RateLimitPolicy = { name: 'per-ip', limit: 1200, windowSeconds: 60, burst: 100 };

/** A store that answers from a script: each check allowed while its key has budget left. */
function scriptedStore(budget: Record<string, number>): SharedRateLimitStore {
  return {
    check: (checks: readonly RateLimitCheck[]) =>
      Promise.resolve(
        checks.map((check): RateLimitOutcome => {
          const left = budget[check.key] ?? 0;
          return {
            policy: check.policy,
            key: check.key,
            allowed: left > 0,
            remaining: Math.max(0, left - 1),
            resetMs: 2_500,
            retryAfterMs: left > 0 ? 0 : 1_200,
          };
        }),
      ),
    ping: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

function context(type: 'http' | 'rpc', headers: Record<string, string> = {}): ExecutionContext {
  const reply = { headers: (values: Record<string, string>) => Object.assign(headers, values) };
  return { getType: () => type, switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ExecutionContext;
}

const guardWith = (budget: Record<string, number>) =>
  new RateLimitGuard(new RateLimiter({ redisUrl: 'redis://unused' }, createLogger('test', 'silent'), scriptedStore(budget)), () => [
    { policy: perUser, key: 'ada' },
    { policy: perIp, key: '10.0.0.1' },
  ]);

describe('RateLimitGuard', () => {
  it('lets an HTTP request through with the RateLimit headers of the policy closest to its limit', async () => {
    const headers: Record<string, string> = {};

    await expect(guardWith({ ada: 2, '10.0.0.1': 50 }).canActivate(context('http', headers))).resolves.toBe(true);

    expect(headers).toEqual({
      'ratelimit-policy': '"per-user";q=600;w=60, "per-ip";q=1200;w=60',
      ratelimit: '"per-user";r=1;t=3',
    });
  });

  it('rejects a limited HTTP request with a RESOURCE_EXHAUSTED domain error and Retry-After', async () => {
    const headers: Record<string, string> = {};

    await expect(guardWith({ ada: 0, '10.0.0.1': 50 }).canActivate(context('http', headers))).rejects.toBeInstanceOf(
      RateLimitExceededError,
    );

    expect(headers).toMatchObject({ 'retry-after': '2', ratelimit: '"per-user";r=0;t=3' });
  });

  it('rejects a limited gRPC call with RESOURCE_EXHAUSTED and a retry-after trailer', async () => {
    const rejection = await guardWith({ ada: 0, '10.0.0.1': 50 })
      .canActivate(context('rpc'))
      .catch((error: unknown) => error);

    expect(rejection).toBeInstanceOf(RpcException);
    const status = (rejection as RpcException).getError() as { code: number; metadata: { get(key: string): unknown[] } };
    expect(status.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(status.metadata.get('x-error-code')).toEqual(['RESOURCE_EXHAUSTED']);
    expect(status.metadata.get('retry-after')).toEqual(['2']);
  });

  it('checks nothing when the request has no subjects', async () => {
    const guard = new RateLimitGuard(
      new RateLimiter({ redisUrl: 'redis://unused' }, createLogger('test', 'silent'), scriptedStore({})),
      () => [],
    );

    await expect(guard.canActivate(context('http'))).resolves.toBe(true);
  });
});
