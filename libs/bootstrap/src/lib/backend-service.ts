import { type DynamicModule } from '@nestjs/common';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CapacityModelInterceptor, type CapacityModel } from '@workshop/capacity';
import { GrpcErrorInterceptor } from '@workshop/errors';
import { createHttpApplication, type HttpApplicationOptions } from './http-application';

export interface BackendServiceOptions extends HttpApplicationOptions {
  grpc: {
    /** A package from @workshop/contracts: its name and generated definition. */
    package: { readonly name: string; readonly definition: Record<string, unknown> };
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
  const app = await createHttpApplication(featureModule, options);
  // The gRPC server shares the application's interceptors (inheritAppConfig), and registers its
  // handlers as soon as it is connected: the error mapping must be in place before that.
  // Observability, installed first, runs outermost and records the status the mapping produced.
  app.useGlobalInterceptors(new GrpcErrorInterceptor(options.logger));
  // Innermost: a call's wait for a slot counts in its recorded duration, as a full server's queue would.
  if (options.capacity) app.useGlobalInterceptors(new CapacityModelInterceptor(options.capacity));
  app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.GRPC,
      options: {
        url: options.grpc.listenAddress,
        package: options.grpc.package.name,
        packageDefinition: options.grpc.package.definition,
        // On shutdown, let calls in flight finish instead of cutting them off.
        gracefulShutdown: true,
      },
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(options.httpPort, options.httpHost ?? '127.0.0.1');
  options.logger.info({ grpc: options.grpc.listenAddress, http: options.httpPort }, `${options.serviceName} started`);
  return app;
}
