import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { type Observable, tap } from 'rxjs';
import { requestDuration, requestsTotal } from './metrics';

/**
 * Measures every gRPC call a service handles, by method and status (HTTP is measured by
 * `registerHttpMetrics`, which also sees requests that never reach a handler, such as 404s; the
 * HTTP request context is entered by `registerHttpRequestContext`, in Fastify hooks, so that HTTP
 * routes run with no Nest interceptor at all).
 */
@Injectable()
export class RequestObservabilityInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
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

/** The status an error will leave the server with: mapped RpcExceptions carry `{ code }`. */
function grpcCodeOf(error: unknown): number {
  const payload = (error as { getError?: () => unknown }).getError?.() ?? error;
  const code = (payload as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : GrpcStatus.UNKNOWN;
}
