import { type DynamicModule, Module } from '@nestjs/common';
import { ClientsModule, type ClientGrpc } from '@nestjs/microservices';
import { ORDER_PACKAGE, USER_PACKAGE, orderV1, userV1 } from '@workshop/contracts';
import { grpcClientOptions, waitForChannelReady } from '@workshop/grpc';
import { READINESS_CHECKS, type ReadinessCheck } from '@workshop/observability';
import { ORDER_SERVICE_GRPC, GATEWAY_OPTIONS, type GatewayOptions, USER_SERVICE_GRPC } from './downstream/downstream.tokens';
import { OrderServiceClient } from './downstream/order-service.client';
import { UserServiceClient } from './downstream/user-service.client';
import { OrdersController } from './orders/orders.controller';
import { UsersController } from './users/users.controller';

export interface GatewayModuleOptions extends GatewayOptions {
  /** One instance, a list of instances or a dns:/// name; the channel balances over them. */
  userServiceUrl: string;
  orderServiceUrl: string;
  /** Attempts per idempotent call that finds an instance unavailable (1 = no retry). */
  grpcRetryMaxAttempts: number;
}

/**
 * The gateway: REST controllers on one side, gRPC clients of the services on the other
 * (`downstream/`), and nothing that talks to a database or Kafka directly.
 */
@Module({})
export class GatewayModule {
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
      controllers: [UsersController, OrdersController],
      providers: [
        { provide: GATEWAY_OPTIONS, useValue: { grpcDeadlineMs: options.grpcDeadlineMs } satisfies GatewayOptions },
        UserServiceClient,
        OrderServiceClient,
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
}
