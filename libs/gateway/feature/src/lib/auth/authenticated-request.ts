import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { UnauthenticatedError } from '@workshop/errors';
import type { CallerIdentity } from '@workshop/grpc';
import type { FastifyRequest } from 'fastify';

/** A request that passed the AuthGuard carries the caller its token named. */
export interface AuthenticatedRequest extends FastifyRequest {
  caller?: CallerIdentity;
}

/** The caller of the current request, as the AuthGuard established it from the access token. */
export const Caller = createParamDecorator((_: unknown, context: ExecutionContext): CallerIdentity => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  // Only reachable if a handler on a @Public() route asks for a caller: a programming error.
  if (caller === undefined) throw new UnauthenticatedError('This request has no authenticated caller');
  return caller;
});
