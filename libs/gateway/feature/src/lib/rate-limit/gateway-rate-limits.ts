import { type ExecutionContext } from '@nestjs/common';
import { type Reflector } from '@nestjs/core';
import { OperationsController } from '@workshop/observability';
import { type RateLimitCheck, type RateLimitPolicy, type RateLimitSubjects } from '@workshop/rate-limit';
import type { AuthenticatedRequest } from '../auth/authenticated-request';
import { PUBLIC_ROUTE } from '../auth/public.decorator';
import type { OrderUpdatesSocket } from '../order-updates/order-updates.socket';

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
 * A message on the order-updates WebSocket counts as a request of its connection's user and
 * address, against the same limits.
 */
export function gatewayRateLimitSubjects(limits: GatewayRateLimits, reflector: Reflector): RateLimitSubjects {
  return (context: ExecutionContext): RateLimitCheck[] => {
    if (context.getType() === 'ws') {
      const socket = context.switchToWs().getClient<OrderUpdatesSocket>();
      return webSocketChecks(limits, socket.caller.userId, socket.remoteAddress);
    }
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

/**
 * Opening a WebSocket, or sending a message on one, costs one request of the user's and the
 * address's limits: a client cannot escape its HTTP budget by switching transports.
 */
export function webSocketChecks(limits: GatewayRateLimits, userId: string, address: string): RateLimitCheck[] {
  return [
    { policy: limits.perIp, key: address },
    { policy: limits.perUser, key: userId },
  ];
}
