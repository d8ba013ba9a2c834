import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ClientsModule, type ClientGrpc } from '@nestjs/microservices';
import { ORDER_PACKAGE, USER_PACKAGE, orderV1, userV1 } from '@workshop/contracts';
import { grpcClientOptions, waitForChannelReady } from '@workshop/grpc';
import { READINESS_CHECKS, type ReadinessCheck } from '@workshop/observability';
import { AccessTokens, type AccessTokenOptions } from './auth/access-token';
import { AuthController } from './auth/auth.controller';
import { AuthGuard } from './auth/auth.guard';
import { ORDER_SERVICE_GRPC, GATEWAY_OPTIONS, type GatewayOptions, USER_SERVICE_GRPC } from './downstream/downstream.tokens';
import { OrderServiceClient } from './downstream/order-service.client';
import { UserServiceClient } from './downstream/user-service.client';
import { OrdersController } from './orders/orders.controller';
import { UsersController } from './users/users.controller';

export interface GatewayModuleOptions extends GatewayOptions {
  userServiceUrl: string;
  orderServiceUrl: string;
  accessTokens: AccessTokenOptions;
}

/**
 * The gateway: REST controllers on one side, gRPC clients of the services on the other
 * (`downstream/`), and nothing that talks to a database or Kafka directly. Every route needs an
 * access token (`auth/`) unless it is marked @Public().
 */
@Module({})
export class GatewayModule {
  static forRoot(options: GatewayModuleOptions): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ClientsModule.register([
          grpcClientOptions(USER_SERVICE_GRPC, USER_PACKAGE, options.userServiceUrl),
          grpcClientOptions(ORDER_SERVICE_GRPC, ORDER_PACKAGE, options.orderServiceUrl),
        ]),
      ],
      controllers: [AuthController, UsersController, OrdersController],
      providers: [
        { provide: AccessTokens, useValue: new AccessTokens(options.accessTokens) },
        { provide: APP_GUARD, useClass: AuthGuard },
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
