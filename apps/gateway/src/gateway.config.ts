import {
  booleanFlag,
  grpcClientSchema,
  grpcServiceAddress,
  infrastructureSchema,
  loadServiceConfig,
  port,
  positiveInteger,
  processSchema,
  type Environment,
} from '@workshop/config';
import { z } from 'zod';

/**
 * Signs access tokens when JWT_SECRET is unset, so `nx serve` works out of the box. Anyone who
 * reads this file can forge tokens with it: the gateway refuses to start with it when
 * NODE_ENV=production.
 */
export const DEVELOPMENT_ONLY_JWT_SECRET = 'development-only-jwt-secret-do-not-use-in-production';

/** Every setting the gateway reads, with its default. Validated once, at start-up. */
export const gatewaySchema = processSchema
  .extend({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HTTP_PORT: port().default(3000),
    /** One instance, a comma-separated list of ip:port, or dns:///name:port: see grpcServiceAddress. */
    USER_SERVICE_URL: grpcServiceAddress().default('127.0.0.1:50051'),
    ORDER_SERVICE_URL: grpcServiceAddress().default('127.0.0.1:50052'),
    ...grpcClientSchema.shape,
    /** Largest request body accepted, in bytes; larger ones get 413. */
    HTTP_BODY_LIMIT_BYTES: positiveInteger().default(64 * 1024),
    /** HMAC-SHA256 key of the access tokens, at least 32 bytes; the same on every gateway instance. */
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEVELOPMENT_ONLY_JWT_SECRET),
    /** `iss` and `aud` of the tokens; a token with other values is rejected. */
    JWT_ISSUER: z.string().min(1).default('workshop-gateway'),
    JWT_AUDIENCE: z.string().min(1).default('workshop-api'),
    /** Lifetime of an access token; after it the client signs in again. Short, since tokens cannot be revoked. */
    ACCESS_TOKEN_TTL_SECONDS: positiveInteger()
      .max(24 * 60 * 60)
      .default(15 * 60),
    /** Where the rate limits live, shared by every gateway instance. */
    REDIS_URL: infrastructureSchema.shape.REDIS_URL,
    /** Master switch of rate limiting. Turn it off for a load test that comes from one address. */
    RATE_LIMIT_ENABLED: booleanFlag().default(true),
    /** Prefix of the limiter's Redis keys: gateways with the same prefix share their limits. */
    RATE_LIMIT_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/)
      .default('rate-limit'),
    /** Each signed-in user: sustained requests per minute, and how many may come at once. */
    RATE_LIMIT_PER_USER_PER_MINUTE: positiveInteger().default(1_200),
    RATE_LIMIT_PER_USER_BURST: positiveInteger().default(100),
    /** Each client address, signed in or not. */
    RATE_LIMIT_PER_IP_PER_MINUTE: positiveInteger().default(6_000),
    RATE_LIMIT_PER_IP_BURST: positiveInteger().default(500),
    /** Sign-up and token, per route and client address: each call costs a password hash. */
    RATE_LIMIT_CREDENTIALS_PER_MINUTE: positiveInteger().default(60),
    RATE_LIMIT_CREDENTIALS_BURST: positiveInteger().default(20),
    /** The order-updates WebSocket (GET /order-updates) and the Kafka consumer that feeds it. */
    ORDER_UPDATES_ENABLED: booleanFlag().default(true),
    /** Where order.status-changed is read; each gateway instance reads all of it in a group of its own. */
    KAFKA_BROKERS: infrastructureSchema.shape.KAFKA_BROKERS,
    KAFKA_TOPIC_PARTITIONS: infrastructureSchema.shape.KAFKA_TOPIC_PARTITIONS,
    /** Status changes kept per user for resuming; a client further behind is told to resync over HTTP. */
    ORDER_UPDATES_REPLAY_EVENTS_PER_USER: positiveInteger().max(1_000).default(20),
    /** Users whose recent changes are kept (least recently updated forgotten first): bounds the memory. */
    ORDER_UPDATES_REPLAY_MAX_USERS: positiveInteger().max(1_000_000).default(10_000),
  })
  .refine((config) => config.NODE_ENV !== 'production' || config.JWT_SECRET !== DEVELOPMENT_ONLY_JWT_SECRET, {
    path: ['JWT_SECRET'],
    message: 'must be set in production: the default is public',
  });

export type GatewayConfig = z.infer<typeof gatewaySchema>;

export const loadGatewayConfig = (env?: Environment): GatewayConfig => loadServiceConfig(gatewaySchema, env);
