import { InterceptingCall, Metadata, type CallOptions, type Client, type Interceptor } from '@grpc/grpc-js';
import { Transport, type ClientGrpc, type ClientProviderOptions } from '@nestjs/microservices';
import { fromGrpcError } from '@workshop/errors';
import {
  CONSISTENCY_TOKEN_HEADER,
  type ConsistencySession,
  consistencyTokenFromMetadata,
  CORRELATION_ID_HEADER,
  currentConsistencySession,
  currentCorrelationId,
} from '@workshop/observability';
import { type Observable, lastValueFrom } from 'rxjs';

/** A gRPC package as the contracts lib describes it: its name and its generated service descriptors. */
export interface GrpcPackage {
  readonly name: string;
  readonly definition: Record<string, unknown>;
}

/**
 * Options for Nest's ClientsModule: a client for `pkg` at `url` (host:port). The package
 * definition comes from the generated code, so client and server agree byte for byte.
 */
export function grpcClientOptions(token: string | symbol, pkg: GrpcPackage, url: string): ClientProviderOptions {
  return {
    name: token,
    transport: Transport.GRPC,
    options: {
      url,
      package: pkg.name,
      packageDefinition: pkg.definition,
      channelOptions: {
        // Notice a dead peer within seconds instead of waiting for TCP to give up.
        'grpc.keepalive_time_ms': 10_000,
        'grpc.keepalive_timeout_ms': 5_000,
        'grpc.keepalive_permit_without_calls': 1,
      },
    },
  };
}

type UnaryMethod<Request, Response> = (request: Request, metadata?: Metadata) => Observable<Response>;

/**
 * Calls one unary RPC the way every call in this system must be made: with a deadline, with the
 * caller's correlation id and consistency token in the metadata, and with failures translated
 * into the shared error vocabulary (a DomainError), so callers never see raw gRPC errors. A
 * consistency token in the response (the callee wrote something) joins the caller's session.
 */
export async function callUnary<Request, Response>(
  method: UnaryMethod<Request, Response>,
  request: Request,
  options: { deadlineMs: number },
): Promise<Response> {
  const metadata = new Metadata();
  const correlationId = currentCorrelationId();
  if (correlationId !== undefined) metadata.set(CORRELATION_ID_HEADER, correlationId);
  const session = currentConsistencySession();
  if (session?.token !== undefined) metadata.set(CONSISTENCY_TOKEN_HEADER, session.token);
  const callOptions: CallOptions = {
    deadline: Date.now() + options.deadlineMs,
    ...(session === undefined ? {} : { interceptors: [consistencyTokenReceiver(session)] }),
  };
  // The generated client interface declares (request, metadata); Nest forwards any further
  // argument to grpc-js, which takes CallOptions third. This is the one place that relies on it.
  const withCallOptions = method as unknown as (request: Request, metadata: Metadata, callOptions: CallOptions) => Observable<Response>;
  try {
    return await lastValueFrom(withCallOptions(request, metadata, callOptions));
  } catch (error) {
    throw fromGrpcError(error);
  }
}

/**
 * A client interceptor that moves the consistency token of a response's metadata into `session`.
 * The session is captured when the call starts: grpc-js delivers metadata outside the caller's
 * async context.
 */
function consistencyTokenReceiver(session: ConsistencySession): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        next(metadata, {
          onReceiveMetadata(received, nextMetadata) {
            session.observe(consistencyTokenFromMetadata(received));
            nextMetadata(received);
          },
        });
      },
    });
}

/**
 * Resolves when the channel to `serviceName` is connected, rejects after `timeoutMs`: the
 * readiness check for a dependency reached over gRPC.
 */
export function waitForChannelReady(client: ClientGrpc, serviceName: string, timeoutMs: number): Promise<void> {
  const grpcClient = client.getClientByServiceName<Client>(serviceName);
  return new Promise((resolve, reject) => {
    grpcClient.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve()));
  });
}
