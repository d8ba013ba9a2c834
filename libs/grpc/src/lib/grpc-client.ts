import { Metadata, type CallOptions, type ChannelOptions, type Client, type ServiceError } from '@grpc/grpc-js';
import { Transport, type ClientGrpc, type ClientProviderOptions } from '@nestjs/microservices';
import { DomainError, fromGrpcError } from '@workshop/errors';
import type { Observable } from 'rxjs';
import { useAsyncResourceBindWithoutDeprecatedAccessor } from './async-resource-bind';
import { channelTarget } from './channel-target';
import { channelInterceptor } from './channel.interceptor';
import { inboundDeadlineExpired, outgoingDeadline } from './deadline';
import { type RetrySettings, idempotentMethods, methodPath, serviceConfig } from './service-config';

/** A gRPC package as the contracts lib describes it: its name and its generated service descriptors. */
export interface GrpcPackage {
  readonly name: string;
  readonly definition: Record<string, unknown>;
}

export interface GrpcClientSettings {
  /** `host:port`, a comma-separated list of `ip:port` (one per instance), or `dns:///name:port`. */
  address: string;
  /** Deadline of a call that sets none, from GRPC_DEADLINE_MS. */
  deadlineMs: number;
  retry: RetrySettings;
}

/**
 * Channel (and server) options that turn off grpc-js's channelz bookkeeping. With channelz on (the
 * default), every call updates counters and timestamps on the channel, the subchannel, the
 * transport and the server, through a tracker object with closures built per call, for the
 * channelz introspection service; nothing in this system serves or reads channelz, so that work
 * was pure per-call cost on both sides of every hop. Serving channelz would mean dropping this.
 */
export const CHANNELZ_OFF: ChannelOptions = { 'grpc.enable_channelz': 0 };

/**
 * Options for Nest's ClientsModule: a client for `pkg`, with what every channel in this system
 * has: round-robin over the instances `address` names, retries of idempotent methods within a
 * budget, a deadline on every call, the request context in every call's metadata, and keepalive
 * settings that notice a dead peer within seconds. The package definition comes from the
 * generated code, so client and server agree byte for byte.
 */
export function grpcClientOptions(token: string | symbol, pkg: GrpcPackage, settings: GrpcClientSettings): ClientProviderOptions {
  // Node 20 builds deprecation wrappers on the HTTP/2 stream of every call (see the function).
  useAsyncResourceBindWithoutDeprecatedAccessor();
  const idempotent = idempotentMethods(pkg.definition, settings.retry.idempotentMethods);
  const channelOptions: ChannelOptions & { interceptors: unknown[] } = {
    ...CHANNELZ_OFF,
    'grpc.service_config': serviceConfig(pkg.definition, settings.retry),
    // Notice a dead peer within seconds instead of waiting for TCP to give up.
    'grpc.keepalive_time_ms': 10_000,
    'grpc.keepalive_timeout_ms': 5_000,
    'grpc.keepalive_permit_without_calls': 1,
    // Nest hands its channel options to the grpc-js Client constructor, which takes interceptors
    // among them: one, doing the deadline, the context, the consistency token and the read replay.
    interceptors: [
      channelInterceptor({
        defaultDeadlineMs: settings.deadlineMs,
        // Replaying is retrying: with retries off, nothing is replayed either.
        replayableMethodPaths: settings.retry.maxAttempts > 1 ? new Set(idempotent.map(methodPath)) : undefined,
      }),
    ],
  };
  return {
    name: token,
    transport: Transport.GRPC,
    options: {
      url: channelTarget(settings.address),
      package: pkg.name,
      packageDefinition: pkg.definition,
      channelOptions,
    },
  };
}

/** One unary method of a grpc-js client, called as grpc-js takes it: metadata, call options, callback. */
export type UnaryCall<Request, Response> = (
  request: Request,
  metadata: Metadata,
  options: CallOptions,
  callback: (error: ServiceError | null, response?: Response) => void,
) => unknown;

/**
 * The unary methods of a service's grpc-js client, typed by the interface ts-proto generates for
 * Nest (`userV1.UserServiceClient`): `getUser` takes a `GetUserRequest` and answers a
 * `GetUserResponse`, as there, but is called on grpc-js directly.
 */
export type UnaryCalls<Service> = {
  readonly [Method in keyof Service]: Service[Method] extends (request: infer Request, metadata?: Metadata) => Observable<infer Response>
    ? UnaryCall<Request, Response>
    : never;
};

/**
 * The grpc-js client Nest's ClientsModule built for `serviceName` (with this system's channel
 * options: interceptors, retries, keepalive), its unary methods bound to it.
 *
 * Why not `ClientGrpc.getService`: it wraps every call in an rxjs Observable that `callUnary` would
 * only turn back into a promise; in the gateway's cache-hit read that wrapping was most of the
 * grpc-js call path's cost. What a call does on the wire is the same: the channel, its interceptors
 * and service config are grpc-js's, not Nest's.
 */
export function unaryCalls<Service>(client: ClientGrpc, serviceName: string): UnaryCalls<Service> {
  const grpcClient = client.getClientByServiceName<Client>(serviceName);
  const methods = Object.getPrototypeOf(grpcClient) as Record<string, unknown>;
  const calls: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(methods)) {
    const method = methods[name];
    if (name !== 'constructor' && typeof method === 'function') calls[name] = method.bind(grpcClient);
  }
  return calls as UnaryCalls<Service>;
}

/**
 * Calls one unary RPC, with failures translated into the shared error vocabulary (a
 * DomainError), so callers never see raw gRPC errors. The channel's interceptor gives the call
 * its deadline and the context fields (the correlation id); `deadlineMs` asks for a shorter or
 * longer budget than the channel's default (it is still cut to the incoming call's deadline).
 * When the call being handled has no time left, nothing is sent: the callee would only do work no
 * one waits for. `metadata` is for what is explicit in a call (the caller's identity).
 * The channel's interceptors carry the rest: the context fields, and the consistency token both
 * ways (`channelInterceptor`).
 */
export function callUnary<Request, Response>(
  method: UnaryCall<Request, Response>,
  request: Request,
  options: { deadlineMs?: number; metadata?: Metadata } = {},
): Promise<Response> {
  if (inboundDeadlineExpired()) {
    return Promise.reject(new DomainError('DEADLINE_EXCEEDED', 'The request ran out of time before a service it needs could be called'));
  }
  const metadata = options.metadata?.clone() ?? new Metadata();
  const callOptions: CallOptions = options.deadlineMs === undefined ? {} : { deadline: outgoingDeadline(options.deadlineMs) };
  return new Promise((resolve, reject) => {
    withoutCallerStack(() =>
      method(request, metadata, callOptions, (error, response) => {
        // grpc-js answers an OK status with the decoded message; protobuf has no "no message".
        if (error) reject(fromGrpcError(error));
        else resolve(response as Response);
      }),
    );
  });
}

/**
 * Starts a call with V8's stack capture off. grpc-js builds an `Error` as every unary call starts,
 * only to append the caller's stack to the error of a call that fails; capturing ten frames cost
 * about 5 µs on the 2-core bench machine, the largest single line in the gateway's profile (4.6%
 * of its CPU). A failed call's error loses those frames ("for call at" is empty) and nothing
 * else: its code, details and metadata, so its mapping, are the same; the frames only ever read
 * callUnary <- a downstream client's method <- a controller, which the failing request's route
 * tells as well. Only the synchronous start runs with the capture off (an error thrown in it has
 * no frames either); the answer arrives later, with the limit restored.
 */
function withoutCallerStack(start: () => unknown): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    start();
  } finally {
    Error.stackTraceLimit = limit;
  }
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
