import {
  grpcClientSchema,
  grpcServiceAddress,
  loadServiceConfig,
  port,
  positiveInteger,
  processSchema,
  type Environment,
} from '@workshop/config';
import { type z } from 'zod';

/** Every setting the gateway reads, with its default. Validated once, at start-up. */
export const gatewaySchema = processSchema.extend({
  HTTP_PORT: port().default(3000),
  /** One instance, a comma-separated list of ip:port, or dns:///name:port: see grpcServiceAddress. */
  USER_SERVICE_URL: grpcServiceAddress().default('127.0.0.1:50051'),
  ORDER_SERVICE_URL: grpcServiceAddress().default('127.0.0.1:50052'),
  ...grpcClientSchema.shape,
  /** Largest request body accepted, in bytes; larger ones get 413. */
  HTTP_BODY_LIMIT_BYTES: positiveInteger().default(64 * 1024),
});

export type GatewayConfig = z.infer<typeof gatewaySchema>;

export const loadGatewayConfig = (env?: Environment): GatewayConfig => loadServiceConfig(gatewaySchema, env);
