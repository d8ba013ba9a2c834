import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import type { CallerIdentity } from '@workshop/grpc';
import { Caller } from '../auth/authenticated-request';
import { OrderServiceClient } from '../downstream/order-service.client';
import { IdParams } from '../id.params';
import { type OrderJson, presentOrder } from '../presenters';
import { PlaceOrderBody } from './order.dto';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orderService: OrderServiceClient) {}

  @Post()
  @HttpCode(201)
  async place(@Caller() caller: CallerIdentity, @Body() body: PlaceOrderBody): Promise<OrderJson> {
    const response = await this.orderService.placeOrder(caller, { userId: body.userId, lines: body.lines });
    return presentOrder(response.order);
  }

  @Get(':id')
  async get(@Caller() caller: CallerIdentity, @Param() params: IdParams): Promise<OrderJson> {
    return presentOrder((await this.orderService.getOrder(caller, { id: params.id })).order);
  }
}
