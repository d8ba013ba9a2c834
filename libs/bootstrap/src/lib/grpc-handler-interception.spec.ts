import { type CallHandler, Controller, type ExecutionContext, Module, type NestInterceptor, type Type, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BaseRpcExceptionFilter, GrpcMethod, GrpcStreamMethod } from '@nestjs/microservices';
import { EXCEPTION_FILTERS_METADATA } from '@nestjs/common/constants';
import { type Observable, firstValueFrom, isObservable, map } from 'rxjs';
import { runGrpcHandlersThrough } from './grpc-handler-interception';

/** Records what it saw and tags the answer, as the services' interceptors wrap a call. */
class RecordingInterceptor implements NestInterceptor {
  readonly seen: { type: string; controller: string; handler: string; args: unknown[] }[] = [];

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.seen.push({
      type: context.getType(),
      controller: context.getClass().name,
      handler: context.getHandler().name,
      args: context.getArgs(),
    });
    return next.handle().pipe(map((answer) => ({ intercepted: answer })));
  }
}

@Controller()
class EchoController {
  readonly prefix = 'echo';

  @GrpcMethod('EchoService', 'Read')
  @UseFilters(new BaseRpcExceptionFilter())
  async read(request: { text: string }): Promise<{ text: string }> {
    return { text: `${this.prefix}: ${request.text}` };
  }

  @GrpcMethod('EchoService', 'Fail')
  fail(): never {
    throw new Error('handler failed');
  }

  notAHandler(): string {
    return 'untouched';
  }
}

@Controller()
class StreamingController {
  @GrpcStreamMethod('EchoService', 'Chat')
  chat(): undefined {
    return undefined;
  }
}

async function contextWith(controller: Type) {
  @Module({ controllers: [controller] })
  class ProbeModule {}
  return NestFactory.createApplicationContext(ProbeModule, { logger: false });
}

describe('runGrpcHandlersThrough', () => {
  it('runs each gRPC handler inside the interceptor, with the context Nest would give it', async () => {
    const app = await contextWith(EchoController);
    const interceptor = new RecordingInterceptor();

    expect(runGrpcHandlersThrough(app, interceptor)).toBe(2);

    const controller = app.get(EchoController);
    const answer: unknown = controller.read({ text: 'hi' });
    expect(isObservable(answer)).toBe(true);
    await expect(firstValueFrom(answer as Observable<unknown>)).resolves.toEqual({ intercepted: { text: 'echo: hi' } });
    expect(interceptor.seen).toEqual([{ type: 'rpc', controller: 'EchoController', handler: 'read', args: [{ text: 'hi' }] }]);
    expect(controller.notAHandler()).toBe('untouched');
    await app.close();
  });

  it('keeps the method name and metadata Nest reads from the handler (filters, guards, the pattern)', async () => {
    const app = await contextWith(EchoController);
    runGrpcHandlersThrough(app, new RecordingInterceptor());

    const controller = app.get(EchoController);
    expect(controller.read.name).toBe('read');
    expect(Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, controller.read)).toEqual(
      Reflect.getMetadata(EXCEPTION_FILTERS_METADATA, EchoController.prototype.read),
    );
    await app.close();
  });

  it('fails the answer, not the caller, when the handler throws synchronously', async () => {
    const app = await contextWith(EchoController);
    runGrpcHandlersThrough(app, new RecordingInterceptor());

    const answer = (app.get(EchoController).fail as () => Observable<unknown>)();
    await expect(firstValueFrom(answer)).rejects.toThrow('handler failed');
    await app.close();
  });

  it('refuses a streaming handler at start-up rather than run it without the interceptor', async () => {
    const app = await contextWith(StreamingController);

    expect(() => runGrpcHandlersThrough(app, new RecordingInterceptor())).toThrow('StreamingController.chat: streaming gRPC handlers');
    await app.close();
  });
});
