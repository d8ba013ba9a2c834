import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { ServerGrpc } from '@nestjs/microservices';
import { isObservable } from 'rxjs';

/** What Nest registers for a handler: its RPC proxy (guards, pipes, exception filters around the method). */
type NestRpcHandler = (request: unknown, metadata: unknown, call: unknown) => Promise<unknown>;

/**
 * Nest's gRPC server, answering a unary call straight from the handler's result.
 *
 * Why: Nest's own unary method copies the grpc-js call object into a new one for its processing
 * hooks (`{ ...call, operationId }`, its largest line under the bench), runs the handler inside
 * two async functions, and awaits every answer in a third, per call. The handler Nest registered
 * (its RPC proxy, with the exception filters that turn a mapped error into the call's status) is
 * called exactly as Nest calls it, and its answer, an Observable or a value, reaches grpc-js's
 * callback the same way: the first value as the response, an error as the status.
 *
 * Processing hooks (`setOnProcessingStartHook`, `setOnProcessingEndHook`) are Nest's to run:
 * when either is set, a call takes Nest's own path, unchanged.
 */
export class DirectUnaryServerGrpc extends ServerGrpc {
  private readonly defaultStartHook = this.onProcessingStartHook;

  override createUnaryServiceMethod(
    methodHandler: NestRpcHandler,
  ): (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void {
    const nestUnaryMethod = super.createUnaryServiceMethod(methodHandler) as (call: unknown, callback: unknown) => Promise<void>;
    return (call, callback) => {
      if (this.onProcessingStartHook !== this.defaultStartHook || this.onProcessingEndHook !== undefined) {
        void nestUnaryMethod(call, callback);
        return;
      }
      methodHandler(call.request, call.metadata, call).then(
        (answer) => {
          if (!isObservable(answer)) return answerWith(answer, callback);
          answer.subscribe({ next: (value) => answerWith(value, callback), error: (error: unknown) => callback(error as Error) });
        },
        (error: unknown) => callback(error as Error),
      );
    };
  }
}

/** Sends `value` as the response, once it is settled when it is a promise (Nest awaits it too). */
function answerWith(value: unknown, callback: sendUnaryData<unknown>): void {
  if (value instanceof Promise) {
    value.then(
      (settled: unknown) => callback(null, settled),
      (error: unknown) => callback(error as Error),
    );
  } else {
    callback(null, value);
  }
}
