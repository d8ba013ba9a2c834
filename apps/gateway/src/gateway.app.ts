import { createHttpApplication } from '@workshop/bootstrap';
import { GatewayModule, ProblemDetailsFilter, createValidationPipe } from '@workshop/gateway-feature';
import { createLogger } from '@workshop/observability';
import type { GatewayConfig } from './gateway.config';

const SERVICE_NAME = 'gateway';

/** Builds the gateway from its configuration; main.ts calls it with the validated configuration. */
export async function startGateway(config: GatewayConfig) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const gatewayModule = GatewayModule.forRoot({
    userServiceUrl: config.USER_SERVICE_URL,
    orderServiceUrl: config.ORDER_SERVICE_URL,
    grpcDeadlineMs: config.GRPC_DEADLINE_MS,
    grpcRetryMaxAttempts: config.GRPC_RETRY_MAX_ATTEMPTS,
  });
  const app = await createHttpApplication(gatewayModule, {
    serviceName: SERVICE_NAME,
    logger,
    bodyLimitBytes: config.HTTP_BODY_LIMIT_BYTES,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter(logger));
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.HTTP_PORT }, `${SERVICE_NAME} listening`);
  return app;
}
