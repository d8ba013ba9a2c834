import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnauthenticatedError } from '@workshop/errors';
import { OperationsController } from '@workshop/observability';
import { AccessTokens } from './access-token';
import type { AuthenticatedRequest } from './authenticated-request';
import { PUBLIC_ROUTE } from './public.decorator';

const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * Authentication at the edge, for every route of the gateway: a valid access token in
 * `Authorization: Bearer …`, or 401. Registered as a global guard so a route is protected by
 * default; @Public() routes and the operations endpoints (health, metrics, which an orchestrator
 * and Prometheus call without credentials) are the exceptions.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AccessTokens) private readonly tokens: AccessTokens,
  ) {}

  /**
   * Whether each handler is @Public(), looked up once per handler: the answer is fixed when the
   * module is built, and the metadata walk (two reflect-metadata lookups) was a measurable part of
   * the guard's cost on every request.
   */
  private readonly publicHandlers = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (context.getClass() === OperationsController) return true;
    if (this.isPublic(context)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) throw new UnauthenticatedError('An access token is required: Authorization: Bearer <token>');
    request.caller = this.tokens.verify(token);
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let isPublic = this.publicHandlers.get(handler);
    if (isPublic === undefined) {
      isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [handler, context.getClass()]) === true;
      this.publicHandlers.set(handler, isPublic);
    }
    return isPublic;
  }
}
