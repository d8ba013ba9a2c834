import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrderServiceClient } from '../downstream/order-service.client';
import { UserServiceClient } from '../downstream/user-service.client';
import { IdParams } from '../id.params';
import { ApiBearerTokenRequired, ApiConditionalGet, ApiProblemResponses } from '../openapi/api-responses';
import { OrderPageJson, type Page, PageQuery, UserPageJson, toPageJson, withPagingFieldNames } from '../pagination.dto';
import { type OrderJson, UserJson, UserWithStatisticsJson, presentOrder, presentUser, presentUserWithStatistics } from '../presenters';
import { CreateUserBody } from './user.dto';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly userService: UserServiceClient,
    private readonly orderService: OrderServiceClient,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a user (sign-up: no token needed).' })
  @ApiCreatedResponse({ type: UserJson })
  @ApiProblemResponses(400, 409, 413, 415)
  async create(@Body() body: CreateUserBody): Promise<UserJson> {
    const response = await this.userService.createUser({ email: body.email, name: body.name });
    return presentUser(response.user);
  }

  @Get()
  @ApiOperation({ summary: 'List users, oldest first, one page at a time.' })
  @ApiBearerTokenRequired()
  @ApiConditionalGet(UserPageJson)
  @ApiProblemResponses(400)
  async list(@Query() query: PageQuery): Promise<Page<UserJson>> {
    const response = await withPagingFieldNames(() =>
      this.userService.listUsers({ pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return toPageJson(response.users.map(presentUser), response.nextPageToken);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user with the order statistics user-service keeps from order events.' })
  @ApiBearerTokenRequired()
  @ApiConditionalGet(UserWithStatisticsJson)
  @ApiProblemResponses(400, 404)
  async get(@Param() params: IdParams): Promise<UserWithStatisticsJson> {
    return presentUserWithStatistics(await this.userService.getUser({ id: params.id }));
  }

  @Get(':id/orders')
  @ApiOperation({ summary: "A user's orders, newest first, one page at a time." })
  @ApiBearerTokenRequired()
  @ApiConditionalGet(OrderPageJson)
  @ApiProblemResponses(400)
  async listOrders(@Param() params: IdParams, @Query() query: PageQuery): Promise<Page<OrderJson>> {
    const response = await withPagingFieldNames(() =>
      this.orderService.listOrdersByUser({ userId: params.id, pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return toPageJson(response.orders.map(presentOrder), response.nextPageToken);
  }
}
