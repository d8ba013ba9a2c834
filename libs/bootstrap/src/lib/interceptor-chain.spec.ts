import { AsyncLocalStorage } from 'node:async_hooks';
import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, defer, firstValueFrom, map, of, throwError } from 'rxjs';
import { InterceptorChain } from './interceptor-chain';

const storage = new AsyncLocalStorage<string[]>();
const context = {} as ExecutionContext;

/** Enters a context at subscription time, as the services' interceptors do, and tags the result. */
class Layer implements NestInterceptor {
  constructor(private readonly name: string) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return new Observable((subscriber) =>
      storage.run([...(storage.getStore() ?? []), this.name], () =>
        next
          .handle()
          .pipe(map((value) => `${this.name}(${String(value)})`))
          .subscribe(subscriber),
      ),
    );
  }
}

describe('InterceptorChain', () => {
  it('runs the layers first-outermost, each inside the context of the ones around it', async () => {
    const handler: CallHandler = { handle: () => defer(async () => (await Promise.resolve(storage.getStore() ?? [])).join('>')) };

    const result = await firstValueFrom(new InterceptorChain(new Layer('a'), new Layer('b')).intercept(context, handler));

    expect(result).toBe('a(b(a>b))');
  });

  it('passes errors out through every layer, and takes a layer that answers with a promise', async () => {
    const promised: NestInterceptor = { intercept: async (_context, next) => Promise.resolve(next.handle()) };
    const failing: CallHandler = { handle: () => throwError(() => new Error('handler failed')) };

    await expect(firstValueFrom(new InterceptorChain(new Layer('a'), promised).intercept(context, failing))).rejects.toThrow(
      'handler failed',
    );
    await expect(firstValueFrom(new InterceptorChain(promised).intercept(context, { handle: () => of(1) }))).resolves.toBe(1);
  });
});
