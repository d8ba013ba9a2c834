import { createHttpApplication } from '@workshop/bootstrap';
import { GatewayModule, ProblemDetailsFilter, createValidationPipe, registerConditionalGet, serveApiDocs } from '@workshop/gateway-feature';
import { createLogger } from '@workshop/observability';
import type { GatewayConfig } from './gateway.config';

const SERVICE_NAME = 'gateway';

/**
 * Builds the gateway from its configuration, ready to listen: its routes register on `init` or
 * `listen`. `ownsProcess: false` leaves the process's signals alone (a test building one in-process).
 */
export async function createGateway(config: GatewayConfig, { ownsProcess = true }: { ownsProcess?: boolean } = {}) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const gatewayModule = GatewayModule.forRoot({
    userServiceUrl: config.USER_SERVICE_URL,
    orderServiceUrl: config.ORDER_SERVICE_URL,
    grpcDeadlineMs: config.GRPC_DEADLINE_MS,
    logger,
  });
  const app = await createHttpApplication(gatewayModule, {
    serviceName: SERVICE_NAME,
    logger,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    shutdownTimeoutMs: ownsProcess ? config.SHUTDOWN_TIMEOUT_MS : false,
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  registerConditionalGet(app.getHttpAdapter().getInstance());
  serveApiDocs(app);
  return { app, logger };
}

/** Starts the gateway; main.ts calls it with the validated configuration. */
export async function startGateway(config: GatewayConfig) {
  const { app, logger } = await createGateway(config);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.HTTP_PORT }, `${SERVICE_NAME} listening`);
  return app;
}
