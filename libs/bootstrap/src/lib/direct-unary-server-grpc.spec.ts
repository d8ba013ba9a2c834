import type { ServerUnaryCall, ServiceError } from '@grpc/grpc-js';
import { of, throwError } from 'rxjs';
import { DirectUnaryServerGrpc } from './direct-unary-server-grpc';

const call = { request: { id: 'u-1' }, metadata: { kind: 'metadata' } } as unknown as ServerUnaryCall<unknown, unknown>;

/** Calls the unary method built for `handler` and resolves with what it answered grpc-js. */
function answerOf(server: DirectUnaryServerGrpc, handler: (...args: unknown[]) => Promise<unknown>) {
  const unary = server.createUnaryServiceMethod(handler);
  return new Promise<{ error: ServiceError | null; value?: unknown }>((resolve) =>
    unary(call, (error, value) => resolve({ error: error as ServiceError | null, value })),
  );
}

describe('DirectUnaryServerGrpc', () => {
  const server = () => new DirectUnaryServerGrpc({ url: '127.0.0.1:0', package: 'test', packageDefinition: {} });

  it("answers with the handler's value, Observable or not, and calls it as Nest does", async () => {
    const seen: unknown[][] = [];
    const handler = async (...args: unknown[]) => {
      seen.push(args);
      return of({ user: 'ada' });
    };

    await expect(answerOf(server(), handler)).resolves.toEqual({ error: null, value: { user: 'ada' } });
    await expect(answerOf(server(), async () => ({ user: 'bob' }))).resolves.toEqual({ error: null, value: { user: 'bob' } });
    expect(seen).toEqual([[call.request, call.metadata, call]]);
  });

  it('answers a failed Observable or a rejected handler with the error as the status', async () => {
    const mapped = { code: 5, message: 'no such user' };

    await expect(answerOf(server(), async () => throwError(() => mapped))).resolves.toEqual({ error: mapped, value: undefined });
    await expect(answerOf(server(), () => Promise.reject(mapped))).resolves.toEqual({ error: mapped, value: undefined });
  });

  it("leaves a call to Nest's own path when processing hooks are set", async () => {
    const withHooks = server();
    const started: unknown[] = [];
    withHooks.setOnProcessingStartHook((_transport, context, done) => {
      started.push(context);
      void done();
    });

    await expect(answerOf(withHooks, async () => of({ user: 'ada' }))).resolves.toEqual({ error: null, value: { user: 'ada' } });
    expect(started).toHaveLength(1);
  });
});
