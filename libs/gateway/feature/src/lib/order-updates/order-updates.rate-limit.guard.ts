import { type CanActivate, type ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { RateLimitGuard } from '@workshop/rate-limit';

/**
 * The gateway's RateLimitGuard on the WebSocket messages. Nest applies global guards (APP_GUARD)
 * to HTTP routes only, not to gateways, so the order-updates gateway names this one; it runs the
 * very guard instance the HTTP routes use (its 'ws' adapter turns a denial into
 * RateLimitExceededError, sent as an error frame), or lets everything through when rate limiting
 * is switched off.
 */
@Injectable()
export class OrderUpdatesRateLimitGuard implements CanActivate {
  constructor(@Optional() @Inject(RateLimitGuard) private readonly rateLimitGuard?: RateLimitGuard) {}

  canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    return this.rateLimitGuard?.canActivate(context) ?? true;
  }
}
