import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CallerIdentity } from '@workshop/grpc';
import { Caller } from '../auth/authenticated-request';
import { OrderServiceClient } from '../downstream/order-service.client';
import { IdParam } from '../id.param';
import { ApiBearerTokenRequired, ApiConditionalGet, ApiProblemResponses } from '../openapi/api-responses';
import { OrderHistoryJson, OrderJson, presentOrder, presentOrderHistory } from '../presenters';
import { PlaceOrderBody } from './order.dto';

@ApiTags('orders')
@ApiBearerTokenRequired()
@Controller('orders')
export class OrdersController {
  constructor(private readonly orderService: OrderServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Place an order.',
    description:
      'The order comes back PLACED; user-service then decides on its credit over Kafka and it becomes CONFIRMED or REJECTED ' +
      'moments later (follow GET /orders/{id}, its history, or the WebSocket updates). With ORDER_PROCESSING_MODE=sync it ' +
      'comes back CONFIRMED or REJECTED. The user statistics follow asynchronously.',
  })
  @ApiCreatedResponse({ type: OrderJson })
  @ApiProblemResponses(400, 413, 415, 422)
  async place(@Caller() caller: CallerIdentity, @Body() body: PlaceOrderBody): Promise<OrderJson> {
    const response = await this.orderService.placeOrder(caller, { userId: body.userId, lines: body.lines });
    return presentOrder(response.order);
  }

  @Get(':id')
  @ApiOperation({ summary: "One order: 404 for an unknown id and for another user's order alike." })
  @ApiConditionalGet(OrderJson)
  @ApiProblemResponses(400, 404)
  async get(@Caller() caller: CallerIdentity, @IdParam() id: string): Promise<OrderJson> {
    return presentOrder((await this.orderService.getOrder(caller, { id })).order);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel a PLACED or CONFIRMED order; its reserved credit is released asynchronously (the saga compensates).',
    description: 'Cancelling a cancelled order answers with it unchanged. A REJECTED order cannot be cancelled: 422.',
  })
  @ApiOkResponse({ type: OrderJson })
  @ApiProblemResponses(400, 404, 422)
  async cancel(@Caller() caller: CallerIdentity, @IdParam() id: string): Promise<OrderJson> {
    return presentOrder((await this.orderService.cancelOrder(caller, { id })).order);
  }

  @Get(':id/history')
  @ApiOperation({
    summary: "Every step of the order's saga, oldest first: placed, credit reserved or rejected, cancelled, credit released.",
  })
  @ApiConditionalGet(OrderHistoryJson)
  @ApiProblemResponses(400, 404)
  async history(@Caller() caller: CallerIdentity, @IdParam() id: string): Promise<OrderHistoryJson> {
    return presentOrderHistory((await this.orderService.getOrderHistory(caller, { id })).entries);
  }
}
