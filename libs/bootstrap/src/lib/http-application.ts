import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  type Logger,
  NestLoggerAdapter,
  OperationsController,
  RequestObservabilityInterceptor,
  registerHttpMetrics,
  startProcessMetrics,
} from '@workshop/observability';

export interface HttpApplicationOptions {
  /** Names the process in logs and metrics labels. */
  serviceName: string;
  logger: Logger;
  /** Largest request body accepted; larger ones get 413 before any handler runs. */
  bodyLimitBytes?: number;
}

/** The root module every process shares: its feature module plus /health and /metrics. */
class ApplicationRootModule {}

/**
 * Creates a Nest application on Fastify with what every process in the system has: JSON logs,
 * correlation ids, request metrics, /health/live, /health/ready and /metrics, and shutdown hooks
 * so SIGTERM closes servers, consumers and pools in order.
 */
export async function createHttpApplication(
  featureModule: DynamicModule,
  options: HttpApplicationOptions,
): Promise<NestFastifyApplication> {
  startProcessMetrics(options.serviceName);
  const root: DynamicModule = { module: ApplicationRootModule, imports: [featureModule], controllers: [OperationsController] };
  const adapter = new FastifyAdapter({ bodyLimit: options.bodyLimitBytes ?? 64 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: new NestLoggerAdapter(options.logger),
    // Fail start-up with the real error instead of Nest's process.exit on a provider failure.
    abortOnError: false,
  });
  registerHttpMetrics(app.getHttpAdapter().getInstance());
  app.useGlobalInterceptors(new RequestObservabilityInterceptor());
  app.enableShutdownHooks();
  return app;
}
