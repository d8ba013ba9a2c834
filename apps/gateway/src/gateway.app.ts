import { createHttpApplication } from '@workshop/bootstrap';
import {
  GatewayModule,
  ProblemDetailsFilter,
  createValidationPipe,
  registerConditionalGet,
  serveApiDocs,
  useOrderUpdatesWebSocket,
} from '@workshop/gateway-feature';
import { createLogger } from '@workshop/observability';
import { DEVELOPMENT_ONLY_JWT_SECRET, type GatewayConfig } from './gateway.config';

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
    accessTokens: {
      secret: config.JWT_SECRET,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    },
    rateLimit: config.RATE_LIMIT_ENABLED
      ? {
          enabled: true,
          redisUrl: config.REDIS_URL,
          keyPrefix: config.RATE_LIMIT_KEY_PREFIX,
          limits: {
            perUser: {
              name: 'per-user',
              limit: config.RATE_LIMIT_PER_USER_PER_MINUTE,
              windowSeconds: 60,
              burst: config.RATE_LIMIT_PER_USER_BURST,
            },
            perIp: { name: 'per-ip', limit: config.RATE_LIMIT_PER_IP_PER_MINUTE, windowSeconds: 60, burst: config.RATE_LIMIT_PER_IP_BURST },
            credentials: {
              name: 'credentials',
              limit: config.RATE_LIMIT_CREDENTIALS_PER_MINUTE,
              windowSeconds: 60,
              burst: config.RATE_LIMIT_CREDENTIALS_BURST,
            },
          },
        }
      : { enabled: false },
    grpcRetryMaxAttempts: config.GRPC_RETRY_MAX_ATTEMPTS,
    orderUpdates: config.ORDER_UPDATES_ENABLED
      ? {
          enabled: true,
          kafka: { brokers: config.KAFKA_BROKERS, clientId: SERVICE_NAME, topicPartitions: config.KAFKA_TOPIC_PARTITIONS },
          replay: { eventsPerUser: config.ORDER_UPDATES_REPLAY_EVENTS_PER_USER, users: config.ORDER_UPDATES_REPLAY_MAX_USERS },
        }
      : { enabled: false },
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
  if (config.ORDER_UPDATES_ENABLED) useOrderUpdatesWebSocket(app);
  serveApiDocs(app);
  if (config.JWT_SECRET === DEVELOPMENT_ONLY_JWT_SECRET) {
    logger.warn('JWT_SECRET is not set: access tokens are signed with the public development secret');
  }
  return { app, logger };
}

/** Starts the gateway; main.ts calls it with the validated configuration. */
export async function startGateway(config: GatewayConfig) {
  const { app, logger } = await createGateway(config);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  logger.info({ port: config.HTTP_PORT }, `${SERVICE_NAME} listening`);
  return app;
}
