import { hostAndPort, loadServiceConfig, port, positiveInteger, processSchema, type Environment } from '@workshop/config';
import { type z } from 'zod';

/** Every setting the gateway reads, with its default. Validated once, at start-up. */
export const gatewaySchema = processSchema.extend({
  HTTP_PORT: port().default(3000),
  USER_SERVICE_URL: hostAndPort().default('127.0.0.1:50051'),
  ORDER_SERVICE_URL: hostAndPort().default('127.0.0.1:50052'),
  /** Deadline for each downstream gRPC call; past it the client gets 503. */
  GRPC_DEADLINE_MS: positiveInteger().default(2_000),
  /** Largest request body accepted, in bytes; larger ones get 413. */
  HTTP_BODY_LIMIT_BYTES: positiveInteger().default(64 * 1024),
});

export type GatewayConfig = z.infer<typeof gatewaySchema>;

export const loadGatewayConfig = (env?: Environment): GatewayConfig => loadServiceConfig(gatewaySchema, env);
