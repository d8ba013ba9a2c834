import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  credentials,
  Server as GrpcServer,
  ServerCredentials,
  status as GrpcStatus,
  makeGenericClientConstructor,
  type Client,
} from '@grpc/grpc-js';
import { userV1 } from '@workshop/contracts';
import { useAsyncResourceBindWithoutDeprecatedAccessor } from '@workshop/grpc';
import Redis from 'ioredis';

/**
 * The gateway's read path with no framework: node:http -> one @grpc/grpc-js unary call
 * (GetUser, the real contract's encoding) -> one ioredis GET of the cached answer. What is left
 * when Nest, Fastify, validation, interceptors, metrics and logging are taken away: the ceiling
 * the gateway is measured against.
 *
 * It lives in the loadtest project (tagged client:redis, so lint lets it import ioredis and
 * nothing else of the infrastructure clients) because it is measurement code, not a pattern of
 * the system: putting a second Redis client in libs/cache would blur that lib's one job.
 */
export interface BareChain {
  url: string;
  /** Stores a user's cached answer, as user-service's cache-aside would after a first read. */
  cacheUser(response: userV1.GetUserResponse): Promise<void>;
  close(): Promise<void>;
}

const cacheKey = (id: string) => `bench:bare-chain:user:${id}`;

/** Revives the Dates JSON turned into strings, as the service's cache serializer does. */
function reviveUser(text: string): userV1.GetUserResponse {
  return JSON.parse(text, (key, value: unknown) =>
    (key === 'createdAt' || key === 'lastOrderAt') && typeof value === 'string' ? new Date(value) : value,
  ) as userV1.GetUserResponse;
}

export async function startBareChain(redisUrl: string): Promise<BareChain> {
  // The Node 20 workaround every gRPC client of the system gets (see the function): the chain
  // runs on the same runtime as the gateway, so the bench compares frameworks, not runtimes.
  useAsyncResourceBindWithoutDeprecatedAccessor();
  // Auto-pipelined like user-service's cache client (libs/cache), so both batch their reads alike.
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  await redis.connect();

  const grpcServer = new GrpcServer();
  grpcServer.addService(userV1.UserServiceService, {
    getUser: (
      call: { request: userV1.GetUserRequest },
      callback: (error: { code: number; details: string } | null, value?: userV1.GetUserResponse) => void,
    ) => {
      redis.get(cacheKey(call.request.id)).then(
        (cached) =>
          cached === null ? callback({ code: GrpcStatus.NOT_FOUND, details: 'not cached' }) : callback(null, reviveUser(cached)),
        (error: Error) => callback({ code: GrpcStatus.UNAVAILABLE, details: error.message }),
      );
    },
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
  );
  const UserServiceClient = makeGenericClientConstructor(userV1.UserServiceService, 'UserService');
  // The generic client's methods are untyped; this is the one the chain calls.
  const grpcClient = new UserServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as unknown as Client & {
    getUser(request: userV1.GetUserRequest, callback: (error: Error | null, response?: userV1.GetUserResponse) => void): void;
  };

  const httpServer: Server = createServer((request, response) => {
    const id = /^\/users\/([^/?]+)/.exec(request.url ?? '')?.[1];
    if (id === undefined) {
      response.writeHead(404).end();
      return;
    }
    grpcClient.getUser({ id }, (error, answer) => {
      if (error || answer?.user === undefined) {
        response.writeHead(error ? 503 : 404, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const body = JSON.stringify({ ...answer.user, orderStatistics: answer.orderStatistics });
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  httpServer.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`,
    cacheUser: async (answer) => {
      await redis.set(cacheKey(answer.user?.id ?? ''), JSON.stringify(answer), 'EX', 600);
    },
    close: async () => {
      httpServer.closeAllConnections();
      await new Promise((resolve) => httpServer.close(resolve));
      grpcClient.close();
      await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
      await redis.quit();
    },
  };
}
