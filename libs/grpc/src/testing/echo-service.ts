import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { type ServiceDefinition, type UntypedServiceImplementation, Server, ServerCredentials } from '@grpc/grpc-js';

/**
 * A two-method service for the channel specs, with JSON on the wire: `Read` is idempotent,
 * `Write` is not. Its definition has the shape ts-proto generates for a real service.
 */
export interface EchoMessage {
  text: string;
}

const json = {
  serialize: (value: EchoMessage) => Buffer.from(JSON.stringify(value)),
  deserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as EchoMessage,
};

const unary = (path: string) => ({
  path,
  requestStream: false,
  responseStream: false,
  requestSerialize: json.serialize,
  requestDeserialize: json.deserialize,
  responseSerialize: json.serialize,
  responseDeserialize: json.deserialize,
});

export const ECHO_SERVICE_NAME = 'test.v1.EchoService';

export const EchoServiceDefinition = {
  read: unary(`/${ECHO_SERVICE_NAME}/Read`),
  write: unary(`/${ECHO_SERVICE_NAME}/Write`),
} satisfies ServiceDefinition;

/** Starts a server for `implementation` on a free loopback port; resolves with it and its address. */
export async function startEchoServer(implementation: UntypedServiceImplementation): Promise<{ server: Server; address: string }> {
  const server = new Server();
  server.addService(EchoServiceDefinition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

/**
 * A TCP proxy to `upstream` whose `reset()` cuts every connection through it with a TCP RST,
 * as the kernel of an instance killed with SIGKILL does; it keeps accepting new ones.
 */
export async function startResettableProxy(upstream: string): Promise<{ address: string; reset(): void; close(): void }> {
  const [host, port] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  const proxy = createServer((downstream) => {
    const upstreamSocket = connect(port, host);
    for (const socket of [downstream, upstreamSocket]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    downstream.pipe(upstreamSocket).pipe(downstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const reset = () => sockets.forEach((socket) => socket.resetAndDestroy());
  return {
    address: `127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    reset,
    close: () => {
      reset();
      proxy.close();
    },
  };
}
