import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, tap } from 'rxjs';
import { CORRELATION_ID_HEADER, currentCorrelationId, runWithCorrelationId } from './correlation';
import { requestDuration, requestsTotal } from './metrics';

/**
 * Gives every inbound HTTP request a correlation id for its whole async life, and measures gRPC
 * calls (HTTP is measured by `registerHttpMetrics`, which also sees requests that
 * never reach a handler, such as 404s).
 *
 * The handler runs inside `runWithCorrelationId` at subscription time: Nest subscribes to the
 * returned Observable after `intercept` returns, so entering the context any earlier would lose it.
 */
@Injectable()
export class RequestObservabilityInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const request = context.switchToHttp().getRequest<FastifyRequest>();
      const reply = context.switchToHttp().getResponse<FastifyReply>();
      const received = headerValue(request.headers[CORRELATION_ID_HEADER]);
      return new Observable((subscriber) =>
        runWithCorrelationId(received, () => {
          void reply.header(CORRELATION_ID_HEADER, currentCorrelationId());
          return next.handle().subscribe(subscriber);
        }),
      );
    }
    if (context.getType() === 'rpc') {
      // The call's context (correlation id and the rest) is restored from its metadata by the
      // gRPC lib's GrpcContextInterceptor, which runs inside this one.
      const method = `${context.getClass().name}.${context.getHandler().name}`;
      const stopTimer = requestDuration.startTimer({ transport: 'grpc', route: method, method: 'unary' });
      const record = (code: number) => {
        const labels = { status: GrpcStatus[code] ?? String(code) };
        stopTimer(labels);
        requestsTotal.inc({ transport: 'grpc', route: method, method: 'unary', ...labels });
      };
      return next.handle().pipe(tap({ complete: () => record(GrpcStatus.OK), error: (error: unknown) => record(grpcCodeOf(error)) }));
    }
    return next.handle();
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The status an error will leave the server with: mapped RpcExceptions carry `{ code }`. */
function grpcCodeOf(error: unknown): number {
  const payload = (error as { getError?: () => unknown }).getError?.() ?? error;
  const code = (payload as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : GrpcStatus.UNKNOWN;
}
