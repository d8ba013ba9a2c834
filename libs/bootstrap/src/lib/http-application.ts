import { type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  type Logger,
  NestLoggerAdapter,
  OperationsController,
  registerHttpMetrics,
  registerHttpRequestContext,
  startProcessMetrics,
} from '@workshop/observability';

export interface HttpApplicationOptions {
  /** Names the process in logs and metrics labels. */
  serviceName: string;
  logger: Logger;
  /** Largest request body accepted; larger ones get 413 before any handler runs. */
  bodyLimitBytes?: number;
  /**
   * Grace period for a shutdown on SIGTERM/SIGINT; past it the process exits with code 1. Set to
   * `false` for an application that does not own its process (a test creating several).
   */
  shutdownTimeoutMs?: number | false;
}

/** The root module every process shares: its feature module plus /health and /metrics. */
class ApplicationRootModule {}

/**
 * Creates a Nest application on Fastify with what every process in the system has: JSON logs,
 * correlation ids, request metrics, /health/live, /health/ready and /metrics, and a graceful
 * shutdown on SIGTERM that closes servers, consumers and pools in order.
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
  const fastify = app.getHttpAdapter().getInstance();
  registerHttpMetrics(fastify);
  // The correlation id and consistency session in Fastify hooks, not Nest interceptors: HTTP
  // routes then run with no interceptor, which skips Nest's rxjs pipeline on every request.
  registerHttpRequestContext(fastify);
  if (options.shutdownTimeoutMs !== false) closeOnSignals(app, options.logger, options.shutdownTimeoutMs ?? 10_000);
  return app;
}

/**
 * Graceful shutdown. SIGTERM (an orchestrator) or SIGINT (Ctrl-C) closes the application: the
 * servers stop accepting connections and let requests in flight finish, then every module's
 * shutdown hook runs (consumers finish their message and commit, the outbox relay finishes its
 * batch, pools close). The exit code says how it went: 0 closed cleanly, 1 failed or overran.
 */
function closeOnSignals(app: INestApplication, logger: Logger, timeoutMs: number): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'Shutting down');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'Shutdown did not finish in time; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    app.close().then(
      () => {
        logger.info('Shut down cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: Ctrl-C under Nx arrives twice (from the terminal and forwarded by Nx), and
  // with no listener left the second one would kill the process in the middle of closing.
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
