import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CallerIdentity } from '@workshop/grpc';
import { Caller } from '../auth/authenticated-request';
import { OrderServiceClient } from '../downstream/order-service.client';
import { IdParams } from '../id.params';
import { ApiBearerTokenRequired, ApiConditionalGet, ApiProblemResponses } from '../openapi/api-responses';
import { OrderJson, presentOrder } from '../presenters';
import { PlaceOrderBody } from './order.dto';

@ApiTags('orders')
@ApiBearerTokenRequired()
@Controller('orders')
export class OrdersController {
  constructor(private readonly orderService: OrderServiceClient) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Place an order: the user statistics follow asynchronously, over Kafka.' })
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
  async get(@Caller() caller: CallerIdentity, @Param() params: IdParams): Promise<OrderJson> {
    return presentOrder((await this.orderService.getOrder(caller, { id: params.id })).order);
  }
}
