import { type CallHandler, type INestApplicationContext, type NestInterceptor, type Type } from '@nestjs/common';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
// Nest's own ExecutionContext implementation, the one its interceptor consumer builds per call.
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { GrpcMethodStreamingType, Transport } from '@nestjs/microservices';
import { PATTERN_METADATA, TRANSPORT_METADATA } from '@nestjs/microservices/constants';
import { type Observable, defer, from, isObservable } from 'rxjs';

type Handler = (...args: unknown[]) => unknown;

/**
 * Runs every gRPC handler of the application's controllers through `interceptor`, by replacing
 * each handler method on its controller instance, once, at start-up. Call it before the gRPC
 * server is connected: Nest picks the handler methods up when it registers the server's
 * listeners. Returns how many handlers it wrapped.
 *
 * Why not `useGlobalInterceptors`: Nest runs a global interceptor through its interceptor
 * consumer on every call, which wraps the handler in rxjs (`defer`, `mergeAll`, `switchMap`) and
 * binds it twice with `AsyncResource.bind`; on Node 20 each bind also builds two deprecation
 * wrappers (`Object.setPrototypeOf` each). Under the bench the bind wrappers alone were 6 to 8%
 * of user-service's CPU (self and inclusive time), more than the interceptor's own work, and the
 * rxjs wrapping came on top. Here the interceptor is called directly, with the ExecutionContext
 * Nest would have given it (class, handler, the call's arguments, type `rpc`).
 *
 * What stays with Nest: the wrapped method is what Nest's RPC proxy calls, so Nest's exception
 * filters are still in front of the interceptor (the gRPC error mapping's RpcException becomes the
 * call's status there, as before), and method metadata (`@UseFilters`, `@UseGuards`) is copied to
 * the wrapper. What the interceptor no longer sees: HTTP routes (health, metrics), which it
 * passed through anyway.
 *
 * Only unary handlers are covered, the only kind this system has; a streaming handler, or a
 * request-scoped controller (Nest builds its instances per request, from the class), fails the
 * start-up instead of running without the interceptor.
 */
export function runGrpcHandlersThrough(app: INestApplicationContext, interceptor: NestInterceptor): number {
  const scanner = new MetadataScanner();
  let wrapped = 0;
  for (const module of app.get(ModulesContainer).values()) {
    for (const controller of module.controllers.values()) {
      const instance = controller.instance as Record<string, unknown> | undefined;
      if (instance === undefined || instance === null) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const methodName of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[methodName] as Handler;
        if (Reflect.getMetadata(TRANSPORT_METADATA, handler) !== Transport.GRPC) continue;
        const where = `${controller.name}.${methodName}`;
        if (!controller.isDependencyTreeStatic()) throw new Error(`${where}: request-scoped gRPC controllers are not supported`);
        const patterns = (Reflect.getMetadata(PATTERN_METADATA, handler) ?? []) as { streaming?: string }[];
        if (patterns.some((pattern) => pattern.streaming !== GrpcMethodStreamingType.NO_STREAMING)) {
          throw new Error(`${where}: streaming gRPC handlers are not supported by runGrpcHandlersThrough`);
        }
        instance[methodName] = throughInterceptor(interceptor, controller.metatype as Type, handler);
        wrapped += 1;
      }
    }
  }
  return wrapped;
}

/** `handler` as a method that runs it inside `interceptor`, keeping its name and metadata. */
function throughInterceptor(interceptor: NestInterceptor, controllerClass: Type, handler: Handler): Handler {
  const intercepted = function (this: unknown, ...args: unknown[]) {
    const context = new ExecutionContextHost(args, controllerClass, handler);
    context.setType('rpc');
    const next: CallHandler = { handle: () => answerOf(() => handler.apply(this, args)) };
    // An Observable (or a promise of one): Nest's RPC proxy subscribes to it behind its exception filters.
    return interceptor.intercept(context, next);
  };
  for (const key of Reflect.getMetadataKeys(handler) as unknown[]) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, handler), intercepted);
  }
  Object.defineProperty(intercepted, 'name', { value: handler.name });
  return intercepted;
}

/**
 * The handler's answer as an Observable that runs the handler when subscribed to, so inside the
 * contexts the interceptor's layers enter at subscription. A handler answers with a value, a
 * promise of one, or an Observable; one that throws synchronously fails the Observable (`defer`
 * catches it), as an async handler's rejection does.
 */
function answerOf(run: () => unknown): Observable<unknown> {
  return defer(() => {
    const answer = run();
    return isObservable(answer) ? answer : from(Promise.resolve(answer));
  });
}
