import { type ExecutionContext } from '@nestjs/common';
import { type Reflector } from '@nestjs/core';
import { OperationsController } from '@workshop/observability';
import { type RateLimitCheck, type RateLimitPolicy, type RateLimitSubjects } from '@workshop/rate-limit';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { PUBLIC_ROUTE } from '../auth/public.decorator';

/** The gateway's limits, from its configuration. */
export interface GatewayRateLimits {
  /** Every signed-in user, across all routes and all gateway instances. */
  perUser: RateLimitPolicy;
  /** Every client address, signed in or not. */
  perIp: RateLimitPolicy;
  /**
   * Each public route (sign-up, token) per client address: they take no token and each call
   * costs a password hash, so they are the target of credential stuffing and of cheap CPU abuse.
   */
  credentials: RateLimitPolicy;
}

/**
 * What each gateway request is limited by, all checked in one Redis round trip: its address, and
 * either its user (after the AuthGuard has named one) or, on a public route, the route and address
 * together. Health and metrics are never limited: an orchestrator must always see the truth.
 */
export function gatewayRateLimitSubjects(limits: GatewayRateLimits, reflector: Reflector): RateLimitSubjects {
  return (context: ExecutionContext): RateLimitCheck[] => {
    if (context.getType() !== 'http' || context.getClass() === OperationsController) return [];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const byAddress: RateLimitCheck = { policy: limits.perIp, key: request.ip };
    if (isPublic(reflector, context)) {
      return [byAddress, { policy: limits.credentials, key: `${request.ip} ${request.method} ${request.routeOptions.url ?? request.url}` }];
    }
    return request.caller === undefined ? [byAddress] : [byAddress, { policy: limits.perUser, key: request.caller.userId }];
  };
}

function isPublic(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) === true;
}
