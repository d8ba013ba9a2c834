import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { Observable, tap } from 'rxjs';
import { CONSISTENCY_TOKEN_HEADER, type ConsistencyToken, parseConsistencyToken, runWithConsistencyToken } from './consistency-token';

/**
 * Carries the consistency token across a gRPC server edge, so a client that sends back the token
 * it was given always reads its own writes (see libs/db): the token comes from the call's
 * metadata, the handler runs inside its session (the database router reads it for `session`
 * reads and records each commit in it, and outgoing gRPC calls forward it), and the response's
 * initial metadata carries the session's token, now including this call's writes, back to the
 * caller.
 *
 * The HTTP edge does the same in Fastify hooks (`registerHttpRequestContext`,
 * http-request-context.ts), which keeps HTTP routes free of Nest interceptors and their
 * per-request cost.
 */
@Injectable()
export class ConsistencyTokenInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const received = consistencyTokenFromMetadata(context.switchToRpc().getContext<Metadata>());
    const call = context.getArgByIndex<ServerUnaryCall<unknown, unknown> | undefined>(2);
    // The session is entered at subscription time, when Nest runs the handler, so the handler
    // runs inside it; the token goes back before the response leaves.
    return new Observable((subscriber) =>
      runWithConsistencyToken(received, (session) =>
        next
          .handle()
          .pipe(
            tap({
              next: () => {
                if (session.token !== undefined && typeof call?.sendMetadata === 'function') {
                  call.sendMetadata(consistencyTokenMetadata(session.token));
                }
              },
            }),
          )
          .subscribe(subscriber),
      ),
    );
  }
}

/** The token in gRPC metadata (request or response), if there is a well-formed one. */
export function consistencyTokenFromMetadata(metadata: Metadata | undefined): ConsistencyToken | undefined {
  return parseConsistencyToken(metadata?.get(CONSISTENCY_TOKEN_HEADER)[0]?.toString());
}

/** gRPC metadata carrying `token`. */
export function consistencyTokenMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set(CONSISTENCY_TOKEN_HEADER, token);
  return metadata;
}
