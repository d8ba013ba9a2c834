import {
  backendServiceSchema,
  commaSeparated,
  hostAndPort,
  loadServiceConfig,
  port,
  nonNegativeInteger,
  positiveInteger,
  type Environment,
} from '@workshop/config';
import { z } from 'zod';

/** Every setting user-service reads, with its default. Validated once, at start-up. */
export const userServiceSchema = backendServiceSchema.extend({
  GRPC_LISTEN_ADDRESS: hostAndPort().default('127.0.0.1:50051'),
  HTTP_PORT: port().default(9101),
  /** How long a cached GetUser answer stays fresh; writes invalidate it sooner. */
  USER_CACHE_TTL_SECONDS: positiveInteger().default(30),
  /** Consumer group for order events: instances in one group share the partitions. */
  ORDER_EVENTS_CONSUMER_GROUP: z.string().min(1).default('user-service.order-statistics'),
  /** Consumer group of the order saga's credit step (order.placed, order.cancelled). */
  CREDIT_CONSUMER_GROUP: z.string().min(1).default('user-service.credit'),
  /** Credit limit of a new user, in minor units, in each currency separately (1,000,000 = 10,000.00). */
  USER_CREDIT_LIMIT_MINOR: nonNegativeInteger().default(1_000_000),
  /**
   * Simulated latency of the credit step's dependency (a bank, a scoring service), in ms: what a
   * synchronous chain waits for on every order. The load tests' async scenario sets it.
   */
  CREDIT_CHECK_DELAY_MS: nonNegativeInteger().default(0),
  /**
   * Comma-separated emails whose users get the admin role when they sign in (case-insensitive).
   * To make an admin: sign the user up as usual, add the email here, restart user-service.
   */
  ADMIN_EMAILS: commaSeparated(z.email()).default([]),
});

export type UserServiceConfig = z.infer<typeof userServiceSchema>;

export const loadUserServiceConfig = (env?: Environment): UserServiceConfig => loadServiceConfig(userServiceSchema, env);
