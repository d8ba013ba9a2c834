import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { type Observable, from, isObservable, mergeAll } from 'rxjs';

/**
 * Several interceptors run as one: the first is the outermost, as with `useGlobalInterceptors`.
 *
 * Why: Nest wraps every interceptor it runs in its own `defer`, `mergeAll` and
 * `AsyncResource.bind` (on Node 20 the bind also builds two deprecation wrappers), per call. For a
 * service whose every gRPC call passes four interceptors (metrics, consistency session, request
 * context, error mapping), that wrapping was a larger share of the CPU than any one of them.
 * Chained here, each layer's `next.handle()` calls the next layer directly. The layers need
 * nothing from Nest's wrapping: each enters its async context at subscription time and calls
 * `next.handle()` inside it, so the inner layers run in it too. Backend services go one step
 * further and run the chain around their gRPC handlers themselves, with no Nest wrapping at all
 * (`runGrpcHandlersThrough`).
 */
export class InterceptorChain implements NestInterceptor {
  private readonly layers: readonly NestInterceptor[];

  constructor(...layers: NestInterceptor[]) {
    this.layers = layers;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const handleFrom = (index: number): Observable<unknown> => {
      const layer = this.layers[index];
      if (layer === undefined) return next.handle();
      const result = layer.intercept(context, { handle: () => handleFrom(index + 1) });
      return isObservable(result) ? result : from(result).pipe(mergeAll());
    };
    return handleFrom(0);
  }
}
