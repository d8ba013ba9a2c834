import { Inject, Injectable } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { orderV1 } from '@workshop/contracts';
import { type CallerIdentity, type UnaryCalls, callUnary, callerIdentityMetadata, unaryCalls } from '@workshop/grpc';
import { GATEWAY_OPTIONS, type GatewayOptions, ORDER_SERVICE_GRPC } from './downstream.tokens';

/** The gateway's only door to order-service: one method per RPC, each with a deadline and the caller's identity. */
@Injectable()
export class OrderServiceClient {
  private readonly rpc: UnaryCalls<orderV1.OrderServiceClient>;

  constructor(
    @Inject(ORDER_SERVICE_GRPC) client: ClientGrpc,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
  ) {
    this.rpc = unaryCalls<orderV1.OrderServiceClient>(client, orderV1.ORDER_SERVICE_NAME);
  }

  placeOrder(caller: CallerIdentity, request: orderV1.PlaceOrderRequest): Promise<orderV1.PlaceOrderResponse> {
    return callUnary(this.rpc.placeOrder, request, this.callOptions(caller));
  }

  getOrder(caller: CallerIdentity, request: orderV1.GetOrderRequest): Promise<orderV1.GetOrderResponse> {
    return callUnary(this.rpc.getOrder, request, this.callOptions(caller));
  }

  cancelOrder(caller: CallerIdentity, request: orderV1.CancelOrderRequest): Promise<orderV1.CancelOrderResponse> {
    return callUnary(this.rpc.cancelOrder, request, this.callOptions(caller));
  }

  getOrderHistory(caller: CallerIdentity, request: orderV1.GetOrderHistoryRequest): Promise<orderV1.GetOrderHistoryResponse> {
    return callUnary(this.rpc.getOrderHistory, request, this.callOptions(caller));
  }

  listOrdersByUser(caller: CallerIdentity, request: orderV1.ListOrdersByUserRequest): Promise<orderV1.ListOrdersByUserResponse> {
    return callUnary(this.rpc.listOrdersByUser, request, this.callOptions(caller));
  }

  batchListOrdersByUser(
    caller: CallerIdentity,
    request: orderV1.BatchListOrdersByUserRequest,
  ): Promise<orderV1.BatchListOrdersByUserResponse> {
    return callUnary(this.rpc.batchListOrdersByUser, request, this.callOptions(caller));
  }

  private callOptions(caller: CallerIdentity) {
    return { deadlineMs: this.options.grpcDeadlineMs, metadata: callerIdentityMetadata(caller) };
  }
}
