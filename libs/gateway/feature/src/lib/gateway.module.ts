import { type DynamicModule, Module } from '@nestjs/common';
import { ClientsModule, type ClientGrpc } from '@nestjs/microservices';
import { ORDER_PACKAGE, USER_PACKAGE, orderV1, userV1 } from '@workshop/contracts';
import { grpcClientOptions, waitForChannelReady } from '@workshop/grpc';
import { type Logger, READINESS_CHECKS, type ReadinessCheck } from '@workshop/observability';
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
import { OrdersController } from './orders/orders.controller';
import { UsersController } from './users/users.controller';

export interface GatewayModuleOptions extends GatewayOptions {
  userServiceUrl: string;
  orderServiceUrl: string;
  logger: Logger;
}

/**
 * The gateway: REST and GraphQL controllers on one side, gRPC clients of the services on the
 * other (`downstream/`), and nothing that talks to a database or Kafka directly.
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
      controllers: [UsersController, OrdersController, GraphqlController],
      providers: [
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
}
