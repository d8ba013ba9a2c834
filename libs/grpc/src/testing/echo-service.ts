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
