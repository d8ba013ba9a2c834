import {
  type CallOptions,
  type Client,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type Server,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { CONSISTENCY_TOKEN_HEADER, correlationIdContext, runWithConsistencyToken } from '@workshop/observability';
import { ECHO_SERVICE_NAME, type EchoMessage, EchoServiceDefinition, startEchoServer, startResettableProxy } from '../testing/echo-service';
import { channelInterceptor } from './channel.interceptor';
import { channelTarget } from './channel-target';
import { runWithContextFromMetadata } from './context-fields';
import { inboundCallContext } from './deadline';
import { serviceConfig } from './service-config';

/**
 * The channel every client in the system gets (grpcClientOptions' interceptor and service
 * config), exercised with real grpc-js servers on loopback.
 */
const EchoClient = makeGenericClientConstructor(EchoServiceDefinition, 'EchoService');
type Method = 'read' | 'write';

function echoClient(address: string, options: { deadlineMs?: number; maxAttempts?: number } = {}): Client {
  return new EchoClient(channelTarget(address), credentials.createInsecure(), {
    'grpc.service_config': serviceConfig(
      { [ECHO_SERVICE_NAME]: EchoServiceDefinition },
      { idempotentMethods: ['Read'], maxAttempts: options.maxAttempts ?? 3 },
    ),
    interceptors: [
      channelInterceptor({
        defaultDeadlineMs: options.deadlineMs ?? 2_000,
        replayableMethodPaths: new Set([`/${ECHO_SERVICE_NAME}/Read`]),
      }),
    ],
  });
}

function call(client: Client, method: Method, text: string, callOptions: CallOptions = {}): Promise<EchoMessage> {
  const invoke = (client as unknown as Record<Method, (...args: unknown[]) => unknown>)[method].bind(client);
  return new Promise((resolve, reject) =>
    invoke({ text }, new Metadata(), callOptions, (error: ServiceError | null, response: EchoMessage) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

type Handler = (call: ServerUnaryCall<EchoMessage, EchoMessage>, callback: sendUnaryData<EchoMessage>) => void;

describe('the gRPC channel', () => {
  const servers: Server[] = [];
  const clients: Client[] = [];
  const proxies: { close(): void }[] = [];

  async function server(handlers: Partial<Record<Method, Handler>>): Promise<string> {
    const unimplemented: Handler = (_call, callback) => callback({ code: GrpcStatus.UNIMPLEMENTED });
    const started = await startEchoServer({ read: handlers.read ?? unimplemented, write: handlers.write ?? unimplemented });
    servers.push(started.server);
    return started.address;
  }

  function client(address: string, options?: { deadlineMs?: number; maxAttempts?: number }): Client {
    const created = echoClient(address, options);
    clients.push(created);
    return created;
  }

  afterEach(() => {
    clients.splice(0).forEach((created) => created.close());
    servers.splice(0).forEach((started) => started.forceShutdown());
    proxies.splice(0).forEach((proxy) => proxy.close());
  });

  const failWith =
    (code: GrpcStatus, times: number, attempts: { count: number }): Handler =>
    (incoming, callback) => {
      attempts.count += 1;
      if (attempts.count <= times) callback({ code, details: 'instance going away' });
      else callback(null, { text: incoming.request.text });
    };

  describe('context and deadlines', () => {
    it('carries the context fields across two hops and cuts the second deadline to what is left of the first', async () => {
      const seen: { metadata?: Metadata; deadline?: number } = {};
      const downstream = await server({
        read: (incoming, callback) => {
          seen.metadata = incoming.metadata;
          seen.deadline = Number(incoming.getDeadline());
          callback(null, { text: 'from downstream' });
        },
      });
      // The middle service's own budget (10 s) is longer than what its caller gave it (1.5 s).
      const toDownstream = client(downstream, { deadlineMs: 10_000 });
      const middle = await server({
        read: (incoming, callback) => {
          // What the server side does around every handler: GrpcContextInterceptor.
          runWithContextFromMetadata(incoming.metadata, () =>
            inboundCallContext.run(incoming, () => {
              call(toDownstream, 'read', 'relay').then(
                (response) => callback(null, response),
                (error: ServiceError) => callback(error),
              );
            }),
          );
        },
      });
      const start = Date.now();

      const response = await correlationIdContext.run('corr-7', () => call(client(middle, { deadlineMs: 1_500 }), 'read', 'hi'));

      expect(response.text).toBe('from downstream');
      expect(seen.metadata?.get('x-correlation-id')).toEqual(['corr-7']);
      // grpc-timeout travels as a duration, so each hop's clock adds a little; far from 10 s all the same.
      expect(seen.deadline).toBeLessThan(start + 1_500 + 1_000);
    });

    it('gives a call made outside any request the channel default deadline', async () => {
      const seen: { deadline?: number } = {};
      const address = await server({
        read: (incoming, callback) => {
          seen.deadline = Number(incoming.getDeadline());
          callback(null, incoming.request);
        },
      });
      const start = Date.now();

      await call(client(address, { deadlineMs: 3_000 }), 'read', 'hi');

      expect(seen.deadline).toBeGreaterThan(start + 2_000);
      expect(seen.deadline).toBeLessThan(start + 3_000 + 1_000);
    });

    it('drops context values that are not plainly valid instead of passing them on', () => {
      const metadata = new Metadata();
      metadata.set('x-correlation-id', 'corr {"injected":true}');

      const restored = runWithContextFromMetadata(metadata, () => ({
        correlationId: correlationIdContext.current(),
      }));

      expect(restored).toEqual({
        correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
    });
  });

  describe('the consistency token', () => {
    // The callee answers with a later token (it wrote), in its response headers.
    const answeringWithToken =
      (token: string, seen: { sent?: unknown[] }): Handler =>
      (incoming, callback) => {
        seen.sent = incoming.metadata.get(CONSISTENCY_TOKEN_HEADER);
        const headers = new Metadata();
        headers.set(CONSISTENCY_TOKEN_HEADER, token);
        incoming.sendMetadata(headers);
        callback(null, incoming.request);
      };

    it.each<Method>(['read', 'write'])('goes out with a %s and comes back into the session', async (method) => {
      const seen: { sent?: unknown[] } = {};
      const address = await server({ [method]: answeringWithToken('0/2000', seen) });

      const session = await runWithConsistencyToken('0/1000', async (current) => {
        await call(client(address), method, 'hi');
        return current;
      });

      expect(seen.sent).toEqual(['0/1000']);
      expect(session.token).toBe('0/2000');
    });

    it('is not sent by a call made outside any request', async () => {
      const seen: { sent?: unknown[] } = {};
      const address = await server({ read: answeringWithToken('0/2000', seen) });

      await call(client(address), 'read', 'hi');

      expect(seen.sent).toEqual([]);
    });
  });

  describe('retries', () => {
    it('retries an idempotent method that found the instance unavailable', async () => {
      const attempts = { count: 0 };
      const address = await server({ read: failWith(GrpcStatus.UNAVAILABLE, 2, attempts) });

      await expect(call(client(address), 'read', 'hi')).resolves.toEqual({ text: 'hi' });
      expect(attempts.count).toBe(3);
    });

    it('never retries a method that is not idempotent', async () => {
      const attempts = { count: 0 };
      const address = await server({ write: failWith(GrpcStatus.UNAVAILABLE, 1, attempts) });

      await expect(call(client(address), 'write', 'hi')).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
      expect(attempts.count).toBe(1);
    });

    it('retries on UNAVAILABLE only', async () => {
      const attempts = { count: 0 };
      const address = await server({ read: failWith(GrpcStatus.INTERNAL, 1, attempts) });

      await expect(call(client(address), 'read', 'hi')).rejects.toMatchObject({ code: GrpcStatus.INTERNAL });
      expect(attempts.count).toBe(1);
    });

    it('stops retrying when the retry budget is spent, so a dead service is not hammered', async () => {
      const attempts = { count: 0 };
      const address = await server({ read: failWith(GrpcStatus.UNAVAILABLE, Number.POSITIVE_INFINITY, attempts) });
      const alwaysFailing = client(address);
      const calls = 150;

      for (let batch = 0; batch < calls / 10; batch += 1) {
        await Promise.allSettled(Array.from({ length: 10 }, () => call(alwaysFailing, 'read', 'hi')));
      }

      // Without a budget every call would be tried three times (450 attempts).
      expect(attempts.count).toBeGreaterThan(calls);
      expect(attempts.count).toBeLessThan(calls * 1.5);
    }, 30_000);
  });

  describe('several instances', () => {
    /** An instance whose connection is reset just after it began to answer the first call. */
    async function instanceCutOffMidAnswer(): Promise<{ target: string; answered: string[] }> {
      const answered: string[] = [];
      let first = true;
      const handler: Handler = (incoming, callback) => {
        if (first) {
          first = false;
          incoming.sendMetadata(new Metadata());
          setTimeout(() => proxy.reset(), 50);
          return;
        }
        answered.push(incoming.request.text);
        callback(null, incoming.request);
      };
      const proxy = await startResettableProxy(await server({ read: handler, write: handler }));
      proxies.push(proxy);
      return { target: proxy.address, answered };
    }

    it('replays a read whose connection died after the instance began to answer', async () => {
      const { target, answered } = await instanceCutOffMidAnswer();

      await expect(call(client(target), 'read', 'hi')).resolves.toEqual({ text: 'hi' });
      expect(answered).toEqual(['hi']);
    });

    it('does not replay a write that was cut off: it may have taken effect', async () => {
      const { target, answered } = await instanceCutOffMidAnswer();

      await expect(call(client(target), 'write', 'hi')).rejects.toMatchObject({ code: GrpcStatus.UNAVAILABLE });
      expect(answered).toEqual([]);
    });

    it('spreads calls over every instance of a list, and sends them to the others when one is gone', async () => {
      const served = { first: 0, second: 0 };
      const first = await server({ read: (incoming, callback) => ((served.first += 1), callback(null, incoming.request)) });
      const second = await server({ read: (incoming, callback) => ((served.second += 1), callback(null, incoming.request)) });
      const balanced = client(`${first},${second}`);

      for (let index = 0; index < 20; index += 1) await call(balanced, 'read', 'hi');
      servers[1]?.forceShutdown();
      const afterLoss = await Promise.allSettled(Array.from({ length: 20 }, () => call(balanced, 'read', 'hi')));

      expect(served.first).toBeGreaterThan(0);
      expect(served.second).toBeGreaterThan(0);
      expect(afterLoss.filter((result) => result.status === 'rejected')).toEqual([]);
    });
  });
});
