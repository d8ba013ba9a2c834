import type { Server } from '@grpc/grpc-js';
import { type DynamicModule, Module, type NestInterceptor } from '@nestjs/common';
import { type MicroserviceOptions } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CapacityModelInterceptor, type CapacityModel } from '@workshop/capacity';
import { GrpcErrorInterceptor } from '@workshop/errors';
import { CHANNELZ_OFF, GrpcContextInterceptor, GrpcHealthReporter, type ReflectablePackage, addReflection } from '@workshop/grpc';
import { ConsistencyTokenInterceptor, RequestObservabilityInterceptor } from '@workshop/observability';
import { createHttpApplication, type HttpApplicationOptions } from './http-application';
import { DirectUnaryServerGrpc } from './direct-unary-server-grpc';
import { runGrpcHandlersThrough } from './grpc-handler-interception';
import { InterceptorChain } from './interceptor-chain';

export interface BackendServiceOptions extends HttpApplicationOptions {
  grpc: {
    /** A package from @workshop/contracts: its name, generated definition and compiled .proto files. */
    package: ReflectablePackage;
    /** host:port the gRPC server binds; loopback unless the deployment says otherwise. */
    listenAddress: string;
  };
  /** Port of the HTTP server that serves /health and /metrics. */
  httpPort: number;
  httpHost?: string;
  /** The opt-in capacity model (@workshop/capacity); undefined leaves gRPC calls unlimited. */
  capacity?: CapacityModel;
}

/**
 * Starts a backend service: its gRPC server and, beside it, a small HTTP server for health checks
 * and metrics. Both share one Nest application, so they share providers and shut down together.
 */
export async function startBackendService(featureModule: DynamicModule, options: BackendServiceOptions): Promise<NestFastifyApplication> {
  const app = await createHttpApplication(withGrpcHealth(featureModule), options);
  const health = app.get(GrpcHealthReporter);
  // Every gRPC handler runs inside one InterceptorChain, wrapped around the handler methods
  // before the gRPC server is connected (Nest binds handlers at that moment), so the error
  // mapping is in place from the first call. Observability, first, runs outermost and records the
  // status the mapping produced; then the consistency session the handler reads and writes; the
  // request context (correlation id, caller, deadline) is entered next, so the error mapping's log
  // lines carry it too; innermost, the capacity model, so a call's wait for a slot counts in its
  // recorded duration, as a full server's queue would. One chain called directly, not Nest's
  // global interceptors: Nest's per-call wrapping cost more than the layers' own work
  // (grpc-handler-interception.ts, interceptor-chain.ts). The HTTP side (health, metrics) enters
  // its context in Fastify hooks (createHttpApplication).
  const layers: NestInterceptor[] = [
    new RequestObservabilityInterceptor(),
    new ConsistencyTokenInterceptor(),
    new GrpcContextInterceptor(),
    new GrpcErrorInterceptor(options.logger),
  ];
  if (options.capacity) layers.push(new CapacityModelInterceptor(options.capacity));
  runGrpcHandlersThrough(app, new InterceptorChain(...layers));
  app.connectMicroservice<MicroserviceOptions>(
    {
      // Nest's gRPC transport, with its unary calls answered straight from the handler's result
      // (direct-unary-server-grpc.ts).
      strategy: new DirectUnaryServerGrpc({
        url: options.grpc.listenAddress,
        package: options.grpc.package.name,
        packageDefinition: options.grpc.package.definition,
        // On shutdown, let calls in flight finish instead of cutting them off.
        gracefulShutdown: true,
        // A copy: Nest adds its message-size options to the object it is given.
        channelOptions: { ...CHANNELZ_OFF },
        // Beside the package's own services, every server has the standard health service and
        // reflection, so any gRPC client or probe can discover and check it.
        onLoadPackageDefinition: (_definition: unknown, server: Server) => {
          health.addTo(server, options.grpc.package);
          addReflection(server, options.grpc.package);
        },
      }),
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(options.httpPort, options.httpHost ?? '127.0.0.1');
  options.logger.info({ grpc: options.grpc.listenAddress, http: options.httpPort }, `${options.serviceName} started`);
  return app;
}

/** The feature module plus the gRPC health reporter, which reads the feature's readiness checks. */
@Module({})
class BackendServiceModule {}

function withGrpcHealth(featureModule: DynamicModule): DynamicModule {
  return { module: BackendServiceModule, imports: [featureModule], providers: [GrpcHealthReporter], exports: [featureModule] };
}
