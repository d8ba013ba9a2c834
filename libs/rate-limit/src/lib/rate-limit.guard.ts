import { type CanActivate, type ContextType, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { toGrpcError } from '@workshop/errors';
import type { FastifyReply } from 'fastify';
import { type RateLimitCheck, type RateLimitDecision } from './rate-limit-policy';
import { RateLimitExceededError, retryAfterSeconds } from './rate-limit-exceeded.error';
import { rateLimitHeaders } from './rate-limit-headers';
import { RateLimiter } from './rate-limiter';

/** What a request is limited by: its checks, or none (health probes, for instance). */
export type RateLimitSubjects = (context: ExecutionContext) => readonly RateLimitCheck[];

export const RATE_LIMIT_SUBJECTS = Symbol('RateLimitSubjects');

/**
 * How a decision reaches the client on one transport. The check itself knows nothing of
 * transports; each adapter only reports and rejects in its protocol's terms.
 */
export interface RateLimitTransportAdapter {
  /** Called for every decision, allowed or not (HTTP: the RateLimit headers). */
  report(context: ExecutionContext, decision: RateLimitDecision): void;
  /** The error that rejects a limited request on this transport. */
  rejection(decision: RateLimitDecision): Error;
}

/** HTTP: RateLimit headers on every answer; a 429 problem+json (with Retry-After) from the exception filter. */
export const httpRateLimitAdapter: RateLimitTransportAdapter = {
  report: (context, decision) => {
    void context.switchToHttp().getResponse<FastifyReply>().headers(rateLimitHeaders(decision));
  },
  rejection: (decision) => new RateLimitExceededError(decision),
};

/**
 * gRPC: RESOURCE_EXHAUSTED with the stable code trailer like every other error, plus a
 * `retry-after` trailer in seconds. Thrown as an RpcException because guards run before the
 * interceptor that maps DomainErrors.
 */
export const grpcRateLimitAdapter: RateLimitTransportAdapter = {
  report: () => undefined,
  rejection: (decision) => {
    const status = toGrpcError(new RateLimitExceededError(decision));
    status.metadata.set('retry-after', String(retryAfterSeconds(decision)));
    return new RpcException(status);
  },
};

/** WebSocket: the socket gateway's exception filter turns the domain error into an error message. */
export const webSocketRateLimitAdapter: RateLimitTransportAdapter = {
  report: () => undefined,
  rejection: (decision) => new RateLimitExceededError(decision),
};

const ADAPTERS: Record<ContextType | 'ws', RateLimitTransportAdapter> = {
  http: httpRateLimitAdapter,
  rpc: grpcRateLimitAdapter,
  ws: webSocketRateLimitAdapter,
};

/**
 * One guard for every transport (Nest's throttler is HTTP-only): it asks `RATE_LIMIT_SUBJECTS`
 * what to check, decides with the RateLimiter in one round trip, and lets the transport's adapter
 * report and reject. Register it after the authentication guard, so per-user limits know the user.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(RateLimiter) private readonly limiter: RateLimiter,
    @Inject(RATE_LIMIT_SUBJECTS) private readonly subjects: RateLimitSubjects,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const checks = this.subjects(context);
    if (checks.length === 0) return true;
    const decision = await this.limiter.check(checks);
    const adapter = ADAPTERS[context.getType<ContextType | 'ws'>()];
    adapter.report(context, decision);
    if (!decision.allowed) throw adapter.rejection(decision);
    return true;
  }
}
