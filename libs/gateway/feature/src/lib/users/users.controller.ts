import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { OrderServiceClient } from '../downstream/order-service.client';
import { UserServiceClient } from '../downstream/user-service.client';
import { IdParams } from '../id.params';
import { type Page, PageQuery, withPagingFieldNames } from '../pagination.dto';
import {
  type OrderJson,
  type UserJson,
  type UserWithStatisticsJson,
  presentOrder,
  presentUser,
  presentUserWithStatistics,
} from '../presenters';
import { CreateUserBody, UpdateUserBody } from './user.dto';

@Controller('users')
export class UsersController {
  constructor(
    private readonly userService: UserServiceClient,
    private readonly orderService: OrderServiceClient,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: CreateUserBody): Promise<UserJson> {
    const response = await this.userService.createUser({ email: body.email, name: body.name });
    return presentUser(response.user);
  }

  @Get()
  async list(@Query() query: PageQuery): Promise<Page<UserJson>> {
    const response = await withPagingFieldNames(() =>
      this.userService.listUsers({ pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return { items: response.users.map(presentUser), nextCursor: response.nextPageToken || null };
  }

  @Get(':id')
  async get(@Param() params: IdParams): Promise<UserWithStatisticsJson> {
    return presentUserWithStatistics(await this.userService.getUser({ id: params.id }));
  }

  /**
   * Changes the user. The response carries `x-consistency-token` (and a cookie): send it back
   * and the next read is served by a replica that has this change, or by the primary.
   */
  @Patch(':id')
  async update(@Param() params: IdParams, @Body() body: UpdateUserBody): Promise<UserJson> {
    const response = await this.userService.updateUser({ id: params.id, email: body.email, name: body.name });
    return presentUser(response.user);
  }

  @Get(':id/orders')
  async listOrders(@Param() params: IdParams, @Query() query: PageQuery): Promise<Page<OrderJson>> {
    const response = await withPagingFieldNames(() =>
      this.orderService.listOrdersByUser({ userId: params.id, pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return { items: response.orders.map(presentOrder), nextCursor: response.nextPageToken || null };
  }
}
