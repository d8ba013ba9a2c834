import { startBackendService } from '@workshop/bootstrap';
import { ORDER_PACKAGE } from '@workshop/contracts';
import { createLogger } from '@workshop/observability';
import { OrderModule } from '@workshop/order-feature';
import type { OrderServiceConfig } from './order-service.config';

const SERVICE_NAME = 'order-service';

/** Builds order-service from its configuration; tests start it the same way. */
export async function startOrderService(config: OrderServiceConfig) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const orderModule = OrderModule.forRoot({
    logger,
    database: {
      applicationName: SERVICE_NAME,
      primaryUrl: config.DATABASE_PRIMARY_URL,
      replicaUrls: config.DATABASE_REPLICA_URLS,
      poolSize: config.DB_POOL_SIZE,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    },
    kafka: { brokers: config.KAFKA_BROKERS, clientId: SERVICE_NAME, topicPartitions: config.KAFKA_TOPIC_PARTITIONS },
    userServiceUrl: config.USER_SERVICE_URL,
    grpcDeadlineMs: config.GRPC_DEADLINE_MS,
  });
  return startBackendService(orderModule, {
    serviceName: SERVICE_NAME,
    logger,
    grpc: { package: ORDER_PACKAGE, listenAddress: config.GRPC_LISTEN_ADDRESS },
    httpPort: config.HTTP_PORT,
    httpHost: config.HTTP_HOST,
  });
}
