import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import type { Logger } from '@workshop/observability';
import { type Observable, catchError, throwError } from 'rxjs';
import { DomainError } from './domain-error';
import { toGrpcError } from './grpc-status.mapping';

/**
 * The gRPC edge of a service: every error a handler throws leaves as a proper status
 * (INVALID_ARGUMENT, NOT_FOUND, ...) instead of UNKNOWN. Unexpected errors are logged here with
 * their cause, once, and leave as INTERNAL without details.
 */
@Injectable()
export class GrpcErrorInterceptor implements NestInterceptor {
  constructor(private readonly logger: Logger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Registered for the whole application: the HTTP side (health, metrics) maps its own errors.
    if (context.getType() !== 'rpc') return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!(error instanceof DomainError) || error.code === 'INTERNAL') {
          this.logger.error({ err: error, rpc: context.getHandler().name }, 'Unexpected error in gRPC handler');
        }
        return throwError(() => new RpcException(toGrpcError(error)));
      }),
    );
  }
}
