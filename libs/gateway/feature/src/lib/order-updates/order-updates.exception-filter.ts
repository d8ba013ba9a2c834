import { type ArgumentsHost, Catch, Inject, type WsExceptionFilter } from '@nestjs/common';
import { DomainError } from '@workshop/errors';
import { type Logger } from '@workshop/observability';
import { RateLimitExceededError, retryAfterSeconds } from '@workshop/rate-limit';
import { type WebSocket } from 'ws';
import { GATEWAY_LOGGER } from '../downstream/downstream.tokens';
import { type ErrorFrameData, type ServerFrame, SERVER_EVENTS } from './order-updates.protocol';

/**
 * The WebSocket edge of the error vocabulary (problem-details.filter.ts is the HTTP one): an error
 * in a message handler, its validation or its guards becomes an `error` frame with the same
 * stable code, and the connection stays open. RESOURCE_EXHAUSTED carries `retryAfterSeconds`.
 * Anything unexpected is logged and sent as INTERNAL, leaking nothing.
 */
@Catch()
export class OrderUpdatesExceptionFilter implements WsExceptionFilter {
  constructor(@Inject(GATEWAY_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const client = host.switchToWs().getClient<WebSocket>();
    const frame: ServerFrame = { event: SERVER_EVENTS.error, data: this.errorData(exception) };
    if (client.readyState === client.OPEN) client.send(JSON.stringify(frame));
  }

  private errorData(exception: unknown): ErrorFrameData {
    if (exception instanceof RateLimitExceededError) {
      return { code: exception.code, message: exception.message, retryAfterSeconds: retryAfterSeconds(exception.decision) };
    }
    if (exception instanceof DomainError && exception.code !== 'INTERNAL') {
      return {
        code: exception.code,
        message: exception.message,
        ...(exception.violations.length > 0 ? { errors: [...exception.violations] } : {}),
      };
    }
    this.logger.error({ err: exception }, 'order-updates message failed');
    return { code: 'INTERNAL', message: 'Internal error' };
  }
}
