import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Metadata, type ServerUnaryCall } from '@grpc/grpc-js';
import { Observable, tap } from 'rxjs';
import {
  CONSISTENCY_TOKEN_HEADER,
  type ConsistencySession,
  type ConsistencyToken,
  parseConsistencyToken,
  runWithConsistencyToken,
} from './consistency-token';

/**
 * Carries the consistency token across an edge, so a client that sends back the token it was
 * given always reads its own writes (see libs/db):
 *
 * - HTTP: the token comes from the `x-consistency-token` header or, for browsers, the
 *   `consistency_token` cookie; the response carries the session's token (now including the
 *   writes this request caused) in the same header and cookie.
 * - gRPC: the token comes from the call's metadata; the response's initial metadata carries
 *   the session's token back to the caller.
 *
 * The handler runs inside the session, so the database router reads it for `session` reads and
 * records each commit in it, and outgoing gRPC calls forward it (`callUnary`).
 *
 * This interceptor does the gRPC side; the HTTP side is done in Fastify hooks by
 * `registerHttpRequestContext` (http-request-context.ts), which keeps HTTP routes free of Nest
 * interceptors and their per-request cost.
 */
@Injectable()
export class ConsistencyTokenInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'rpc') {
      const metadata = context.switchToRpc().getContext<Metadata>();
      const call = context.getArgByIndex<ServerUnaryCall<unknown, unknown> | undefined>(2);
      return runInSession(consistencyTokenFromMetadata(metadata), next, (session) => {
        if (session.token !== undefined && typeof call?.sendMetadata === 'function')
          call.sendMetadata(consistencyTokenMetadata(session.token));
      });
    }
    return next.handle();
  }
}

/** Runs the handler inside a session (entered at subscription time, when Nest runs it) and reports the session before the response leaves. */
function runInSession(
  received: string | undefined,
  next: CallHandler,
  beforeResponse: (session: ConsistencySession) => void,
): Observable<unknown> {
  return new Observable((subscriber) =>
    runWithConsistencyToken(received, (session) =>
      next
        .handle()
        .pipe(tap({ next: () => beforeResponse(session) }))
        .subscribe(subscriber),
    ),
  );
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
