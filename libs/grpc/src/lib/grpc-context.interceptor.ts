import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { runWithContextFromMetadata } from './context-fields';
import { type InboundCall, inboundCallContext } from './deadline';

/**
 * The server side of context propagation: the handler of every gRPC call runs with the context
 * fields restored from the call's metadata (correlation id, caller, consistency token) and with
 * the call itself at hand, so the calls it makes inherit its deadline and its cancellation.
 *
 * A Nest interceptor rather than a grpc-js server interceptor: the context must be entered
 * around the handler's whole async life, which only the layer that invokes it can do. It enters
 * at subscription time, because Nest subscribes after `intercept` returns.
 */
@Injectable()
export class GrpcContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const metadata = context.switchToRpc().getContext<Metadata>();
    // Nest calls a gRPC handler with (request, metadata, call).
    const call = context.getArgByIndex<InboundCall | undefined>(2);
    return new Observable((subscriber) =>
      runWithContextFromMetadata(metadata, () => {
        const handle = () => next.handle().subscribe(subscriber);
        return call === undefined ? handle() : inboundCallContext.run(call, handle);
      }),
    );
  }
}
