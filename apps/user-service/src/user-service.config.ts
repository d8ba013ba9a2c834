import {
  backendServiceSchema,
  commaSeparated,
  hostAndPort,
  loadServiceConfig,
  port,
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
  /**
   * Comma-separated emails whose users get the admin role when they sign in (case-insensitive).
   * To make an admin: sign the user up as usual, add the email here, restart user-service.
   */
  ADMIN_EMAILS: commaSeparated(z.email()).default([]),
});

export type UserServiceConfig = z.infer<typeof userServiceSchema>;

export const loadUserServiceConfig = (env?: Environment): UserServiceConfig => loadServiceConfig(userServiceSchema, env);
