import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { OrderServiceClient } from '../downstream/order-service.client';
import { IdParams } from '../id.params';
import { type OrderJson, presentOrder } from '../presenters';
import { PlaceOrderBody } from './order.dto';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orderService: OrderServiceClient) {}

  @Post()
  @HttpCode(201)
  async place(@Body() body: PlaceOrderBody): Promise<OrderJson> {
    const response = await this.orderService.placeOrder({ userId: body.userId, lines: body.lines });
    return presentOrder(response.order);
  }

  @Get(':id')
  async get(@Param() params: IdParams): Promise<OrderJson> {
    return presentOrder((await this.orderService.getOrder({ id: params.id })).order);
  }
}
