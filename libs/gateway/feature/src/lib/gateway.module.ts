import { type DynamicModule, Inject, Module, type OnApplicationShutdown, Optional, type Provider } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ClientsModule, type ClientGrpc } from '@nestjs/microservices';
import { ORDER_PACKAGE, USER_PACKAGE, orderV1, userV1 } from '@workshop/contracts';
import { grpcClientOptions, waitForChannelReady } from '@workshop/grpc';
import { type Logger, READINESS_CHECKS, type ReadinessCheck } from '@workshop/observability';
import { type KafkaConfig } from '@workshop/messaging';
import { RATE_LIMIT_SUBJECTS, RateLimitGuard, RateLimiter } from '@workshop/rate-limit';
import { AccessTokens, type AccessTokenOptions } from './auth/access-token';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import {
  GATEWAY_LOGGER,
  GATEWAY_OPTIONS,
  type GatewayOptions,
  ORDER_SERVICE_GRPC,
  USER_SERVICE_GRPC,
} from './downstream/downstream.tokens';
import { OrderServiceClient } from './downstream/order-service.client';
import { UserServiceClient } from './downstream/user-service.client';
import { GraphqlContextFactory } from './graphql/graphql.context';
import { GraphqlController } from './graphql/graphql.controller';
import { GraphqlExecutor } from './graphql/graphql.executor';
import { OrderUpdateReplayBuffer, type ReplayBufferLimits } from './order-updates/order-update-replay-buffer';
import { OrderUpdatesFeed, orderUpdatesGroupId } from './order-updates/order-updates.feed';
import { OrderUpdatesGateway } from './order-updates/order-updates.gateway';
import { OrderUpdatesHandshake } from './order-updates/order-updates.handshake';
import { OrderUpdatesHub } from './order-updates/order-updates.hub';
import { OrdersController } from './orders/orders.controller';
import { type GatewayRateLimits, gatewayRateLimitSubjects } from './rate-limit/gateway-rate-limits';
import { UsersController } from './users/users.controller';

export interface GatewayModuleOptions extends GatewayOptions {
  /** One instance, a list of instances or a dns:/// name; the channel balances over them. */
  userServiceUrl: string;
  orderServiceUrl: string;
  accessTokens: AccessTokenOptions;
  /** Off: no limits at all (a load test from one machine, say). */
  rateLimit: { enabled: false } | { enabled: true; redisUrl: string; keyPrefix: string; limits: GatewayRateLimits };
  /** Attempts per idempotent call that finds an instance unavailable (1 = no retry). */
  grpcRetryMaxAttempts: number;
  /** The order-updates WebSocket (`order-updates/`); off: no endpoint and no Kafka consumer. */
  orderUpdates: { enabled: false } | { enabled: true; kafka: KafkaConfig; replay: ReplayBufferLimits };
  logger: Logger;
}

/**
 * The gateway: REST and GraphQL controllers on one side, gRPC clients of the services on the
 * other (`downstream/`), and nothing that talks to a database directly. Every route needs an
 * access token (`auth/`) unless it is marked @Public(). Kafka is read only to push order status
 * changes to WebSocket clients (`order-updates/`).
 */
@Module({})
export class GatewayModule implements OnApplicationShutdown {
  constructor(@Optional() @Inject(RateLimiter) private readonly rateLimiter?: RateLimiter) {}

  static forRoot(options: GatewayModuleOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ClientsModule.register([
          // Reads are retried on another instance; a write is not (its effect may have happened).
          grpcClientOptions(USER_SERVICE_GRPC, USER_PACKAGE, {
            address: options.userServiceUrl,
            deadlineMs: options.grpcDeadlineMs,
            retry: { idempotentMethods: ['GetUser', 'ListUsers'], maxAttempts: options.grpcRetryMaxAttempts },
          }),
          grpcClientOptions(ORDER_SERVICE_GRPC, ORDER_PACKAGE, {
            address: options.orderServiceUrl,
            deadlineMs: options.grpcDeadlineMs,
            retry: { idempotentMethods: ['GetOrder', 'ListOrdersByUser'], maxAttempts: options.grpcRetryMaxAttempts },
          }),
        ]),
      ],
      controllers: [AuthController, UsersController, OrdersController, GraphqlController],
      providers: [
        { provide: AccessTokens, useValue: new AccessTokens(options.accessTokens) },
        // Guards run in this order: authentication first, so per-user limits know the user.
        { provide: APP_GUARD, useClass: AuthGuard },
        ...rateLimitProviders(options),
        ...orderUpdatesProviders(options),
        { provide: GATEWAY_OPTIONS, useValue: { grpcDeadlineMs: options.grpcDeadlineMs } satisfies GatewayOptions },
        { provide: GATEWAY_LOGGER, useValue: options.logger },
        UserServiceClient,
        OrderServiceClient,
        GraphqlExecutor,
        GraphqlContextFactory,
        {
          provide: READINESS_CHECKS,
          inject: [USER_SERVICE_GRPC, ORDER_SERVICE_GRPC],
          useFactory: (userService: ClientGrpc, orderService: ClientGrpc): ReadinessCheck[] => [
            { name: 'user-service', check: () => waitForChannelReady(userService, userV1.USER_SERVICE_NAME, 1_000) },
            { name: 'order-service', check: () => waitForChannelReady(orderService, orderV1.ORDER_SERVICE_NAME, 1_000) },
          ],
        },
      ],
      exports: [READINESS_CHECKS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rateLimiter?.close();
  }
}

function rateLimitProviders({ rateLimit, logger }: GatewayModuleOptions): Provider[] {
  if (!rateLimit.enabled) return [];
  return [
    { provide: RateLimiter, useFactory: () => new RateLimiter({ redisUrl: rateLimit.redisUrl, keyPrefix: rateLimit.keyPrefix }, logger) },
    {
      provide: RATE_LIMIT_SUBJECTS,
      inject: [Reflector],
      useFactory: (reflector: Reflector) => gatewayRateLimitSubjects(rateLimit.limits, reflector),
    },
    // One instance for the HTTP routes (global) and the WebSocket messages (order-updates).
    RateLimitGuard,
    { provide: APP_GUARD, useExisting: RateLimitGuard },
  ];
}

function orderUpdatesProviders({ orderUpdates, rateLimit, logger }: GatewayModuleOptions): Provider[] {
  if (!orderUpdates.enabled) return [];
  return [
    { provide: OrderUpdatesHub, useFactory: () => new OrderUpdatesHub(new OrderUpdateReplayBuffer(orderUpdates.replay)) },
    {
      provide: OrderUpdatesFeed,
      inject: [OrderUpdatesHub],
      useFactory: (hub: OrderUpdatesHub) =>
        new OrderUpdatesFeed(hub, { ...orderUpdates.kafka, groupId: orderUpdatesGroupId() }, logger.child({ component: 'order-updates' })),
    },
    {
      provide: OrderUpdatesHandshake,
      inject: [AccessTokens, { token: RateLimiter, optional: true }],
      useFactory: (tokens: AccessTokens, limiter: RateLimiter | undefined) =>
        new OrderUpdatesHandshake(tokens, rateLimit.enabled && limiter !== undefined ? { limiter, limits: rateLimit.limits } : undefined),
    },
    OrderUpdatesGateway,
  ];
}
