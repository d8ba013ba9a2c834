import { performance } from 'node:perf_hooks';
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
  /** Each handler's `route` label (`UserGrpcController.getUser`), built once per handler. */
  private readonly routes = new WeakMap<object, string>();

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'rpc') {
      // The call's context (correlation id and the rest) is restored from its metadata by the
      // gRPC lib's GrpcContextInterceptor, which runs inside this one.
      const route = this.routeOf(context);
      const startedAt = performance.now();
      // One labels object for both instruments, and no timer closure: this runs on every call.
      const record = (code: number) => {
        const labels = { transport: 'grpc', route, method: 'unary', status: GrpcStatus[code] ?? String(code) };
        requestDuration.observe(labels, (performance.now() - startedAt) / 1000);
        requestsTotal.inc(labels);
      };
      return next.handle().pipe(tap({ complete: () => record(GrpcStatus.OK), error: (error: unknown) => record(grpcCodeOf(error)) }));
    }
    return next.handle();
  }

  private routeOf(context: ExecutionContext): string {
    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (route === undefined) {
      route = `${context.getClass().name}.${handler.name}`;
      this.routes.set(handler, route);
    }
    return route;
  }
}

/** The status an error will leave the server with: mapped RpcExceptions carry `{ code }`. */
function grpcCodeOf(error: unknown): number {
  const payload = (error as { getError?: () => unknown }).getError?.() ?? error;
  const code = (payload as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : GrpcStatus.UNKNOWN;
}
