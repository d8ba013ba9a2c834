import { startBackendService } from '@workshop/bootstrap';
import { capacityModelFrom } from '@workshop/capacity';
import { backendConnections, cacheConnection } from '@workshop/config';
import { USER_PACKAGE } from '@workshop/contracts';
import { createLogger } from '@workshop/observability';
import { UserModule } from '@workshop/user-feature';
import type { UserServiceConfig } from './user-service.config';

const SERVICE_NAME = 'user-service';

/** Builds user-service from its configuration; main.ts calls it with the validated configuration. */
export async function startUserService(config: UserServiceConfig) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const { database, kafka } = backendConnections(config, SERVICE_NAME);
  const userModule = UserModule.forRoot({
    logger,
    database,
    cache: cacheConnection(config, SERVICE_NAME, config.USER_CACHE_TTL_SECONDS),
    kafka,
    consumerGroups: { orderStatistics: config.ORDER_EVENTS_CONSUMER_GROUP, credit: config.CREDIT_CONSUMER_GROUP },
    adminEmails: config.ADMIN_EMAILS,
    defaultCreditLimitMinor: config.USER_CREDIT_LIMIT_MINOR,
    creditCheckDelayMs: config.CREDIT_CHECK_DELAY_MS,
  });
  return startBackendService(userModule, {
    serviceName: SERVICE_NAME,
    logger,
    grpc: { package: USER_PACKAGE, listenAddress: config.GRPC_LISTEN_ADDRESS },
    httpPort: config.HTTP_PORT,
    httpHost: config.HTTP_HOST,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    capacity: capacityModelFrom(config),
  });
}
