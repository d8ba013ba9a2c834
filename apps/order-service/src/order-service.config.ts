import {
  backendServiceSchema,
  grpcServiceAddress,
  hostAndPort,
  loadServiceConfig,
  port,
  positiveInteger,
  type Environment,
} from '@workshop/config';
import { z } from 'zod';

/** Every setting order-service reads, with its default. Validated once, at start-up. */
export const orderServiceSchema = backendServiceSchema.extend({
  GRPC_LISTEN_ADDRESS: hostAndPort().default('127.0.0.1:50052'),
  HTTP_PORT: port().default(9102),
  /** Where user-service answers; order-service checks that a buyer exists before placing an order. */
  USER_SERVICE_URL: grpcServiceAddress().default('127.0.0.1:50051'),
  /** How long a cached GetOrder answer stays fresh; a status change invalidates it sooner. */
  ORDER_CACHE_TTL_SECONDS: positiveInteger().default(60),
  /**
   * `async`: an order is PLACED at once and the saga decides its credit over Kafka. `sync`:
   * PlaceOrder waits for user-service's credit decision and answers CONFIRMED or REJECTED.
   */
  ORDER_PROCESSING_MODE: z.enum(['sync', 'async']).default('async'),
  /** Consumer group of the saga's credit events: instances in one group share the partitions. */
  ORDER_SAGA_CONSUMER_GROUP: z.string().min(1).default('order-service.saga'),
});

export type OrderServiceConfig = z.infer<typeof orderServiceSchema>;

export const loadOrderServiceConfig = (env?: Environment): OrderServiceConfig => loadServiceConfig(orderServiceSchema, env);
