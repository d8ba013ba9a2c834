import { type Metadata } from '@grpc/grpc-js';
import { Controller } from '@nestjs/common';
import { orderV1 } from '@workshop/contracts';
import { callerIdentityFromMetadata } from '@workshop/grpc';
import { OrderService } from './order.service';

/**
 * The gRPC edge of order-service: translates requests into service calls and nothing more. Every
 * RPC acts for the caller the gateway names in the metadata.
 */
@Controller()
@orderV1.OrderServiceControllerMethods()
export class OrderGrpcController implements orderV1.OrderServiceController {
  constructor(private readonly orders: OrderService) {}

  async placeOrder(request: orderV1.PlaceOrderRequest, metadata?: Metadata): Promise<orderV1.PlaceOrderResponse> {
    return { order: await this.orders.placeOrder(callerIdentityFromMetadata(metadata), request) };
  }

  async getOrder(request: orderV1.GetOrderRequest, metadata?: Metadata): Promise<orderV1.GetOrderResponse> {
    return { order: await this.orders.getOrder(callerIdentityFromMetadata(metadata), request.id) };
  }

  async listOrdersByUser(request: orderV1.ListOrdersByUserRequest, metadata?: Metadata): Promise<orderV1.ListOrdersByUserResponse> {
    return this.orders.listOrdersByUser(callerIdentityFromMetadata(metadata), request);
  }

  async batchListOrdersByUser(
    request: orderV1.BatchListOrdersByUserRequest,
    metadata?: Metadata,
  ): Promise<orderV1.BatchListOrdersByUserResponse> {
    return this.orders.batchListOrdersByUser(callerIdentityFromMetadata(metadata), request);
  }

  async cancelOrder(request: orderV1.CancelOrderRequest, metadata?: Metadata): Promise<orderV1.CancelOrderResponse> {
    return { order: await this.orders.cancelOrder(callerIdentityFromMetadata(metadata), request.id) };
  }

  async getOrderHistory(request: orderV1.GetOrderHistoryRequest, metadata?: Metadata): Promise<orderV1.GetOrderHistoryResponse> {
    return { entries: await this.orders.getOrderHistory(callerIdentityFromMetadata(metadata), request.id) };
  }
}
