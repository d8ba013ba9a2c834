import { Controller } from '@nestjs/common';
import { orderV1 } from '@workshop/contracts';
import { OrderService } from './order.service';

/** The gRPC edge of order-service: translates requests into service calls and nothing more. */
@Controller()
@orderV1.OrderServiceControllerMethods()
export class OrderGrpcController implements orderV1.OrderServiceController {
  constructor(private readonly orders: OrderService) {}

  async placeOrder(request: orderV1.PlaceOrderRequest): Promise<orderV1.PlaceOrderResponse> {
    return { order: await this.orders.placeOrder(request) };
  }

  async getOrder(request: orderV1.GetOrderRequest): Promise<orderV1.GetOrderResponse> {
    return { order: await this.orders.getOrder(request.id) };
  }

  async listOrdersByUser(request: orderV1.ListOrdersByUserRequest): Promise<orderV1.ListOrdersByUserResponse> {
    return this.orders.listOrdersByUser(request);
  }

  async batchListOrdersByUser(request: orderV1.BatchListOrdersByUserRequest): Promise<orderV1.BatchListOrdersByUserResponse> {
    return this.orders.batchListOrdersByUser(request);
  }
}
