import { startBackendService } from '@workshop/bootstrap';
import { USER_PACKAGE } from '@workshop/contracts';
import { createLogger } from '@workshop/observability';
import { UserModule } from '@workshop/user-feature';
import type { UserServiceConfig } from './user-service.config';

const SERVICE_NAME = 'user-service';

/** Builds user-service from its configuration; tests start it the same way. */
export async function startUserService(config: UserServiceConfig) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const userModule = UserModule.forRoot({
    logger,
    database: {
      applicationName: SERVICE_NAME,
      primaryUrl: config.DATABASE_PRIMARY_URL,
      replicaUrls: config.DATABASE_REPLICA_URLS,
      poolSize: config.DB_POOL_SIZE,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    },
    cache: { redisUrl: config.REDIS_URL, namespace: SERVICE_NAME, defaultTtlSeconds: config.USER_CACHE_TTL_SECONDS },
    kafka: {
      brokers: config.KAFKA_BROKERS,
      clientId: SERVICE_NAME,
      topicPartitions: config.KAFKA_TOPIC_PARTITIONS,
      groupId: config.ORDER_EVENTS_CONSUMER_GROUP,
    },
  });
  return startBackendService(userModule, {
    serviceName: SERVICE_NAME,
    logger,
    grpc: { package: USER_PACKAGE, listenAddress: config.GRPC_LISTEN_ADDRESS },
    httpPort: config.HTTP_PORT,
    httpHost: config.HTTP_HOST,
  });
}
