import { startBackendService } from '@workshop/bootstrap';
import { capacityModelFrom } from '@workshop/capacity';
import { backendConnections, cacheConnection } from '@workshop/config';
import { ORDER_PACKAGE } from '@workshop/contracts';
import { createLogger } from '@workshop/observability';
import { OrderModule } from '@workshop/order-feature';
import type { OrderServiceConfig } from './order-service.config';

const SERVICE_NAME = 'order-service';

/** Builds order-service from its configuration; main.ts calls it with the validated configuration. */
export async function startOrderService(config: OrderServiceConfig) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const { database, kafka } = backendConnections(config, SERVICE_NAME);
  const orderModule = OrderModule.forRoot({
    logger,
    database,
    kafka,
    sagaConsumerGroup: config.ORDER_SAGA_CONSUMER_GROUP,
    processingMode: config.ORDER_PROCESSING_MODE,
    cache: cacheConnection(config, SERVICE_NAME, config.ORDER_CACHE_TTL_SECONDS),
    userServiceUrl: config.USER_SERVICE_URL,
    grpcDeadlineMs: config.GRPC_DEADLINE_MS,
    grpcRetryMaxAttempts: config.GRPC_RETRY_MAX_ATTEMPTS,
  });
  return startBackendService(orderModule, {
    serviceName: SERVICE_NAME,
    logger,
    grpc: { package: ORDER_PACKAGE, listenAddress: config.GRPC_LISTEN_ADDRESS },
    httpPort: config.HTTP_PORT,
    httpHost: config.HTTP_HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    capacity: capacityModelFrom(config),
  });
}
