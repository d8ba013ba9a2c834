import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import type { CallerIdentity } from '@workshop/grpc';
import { Caller } from '../auth/authenticated-request';
import { Public } from '../auth/public.decorator';
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
import { CreateUserBody } from './user.dto';

@Controller('users')
export class UsersController {
  constructor(
    private readonly userService: UserServiceClient,
    private readonly orderService: OrderServiceClient,
  ) {}

  /** Sign-up: open to anyone; the new user then gets a token from POST /auth/token. */
  @Post()
  @Public()
  @HttpCode(201)
  async create(@Body() body: CreateUserBody): Promise<UserJson> {
    const response = await this.userService.createUser({ email: body.email, name: body.name, password: body.password });
    return presentUser(response.user);
  }

  /** Every user: admins only (403 for anyone else). */
  @Get()
  async list(@Caller() caller: CallerIdentity, @Query() query: PageQuery): Promise<Page<UserJson>> {
    const response = await withPagingFieldNames(() =>
      this.userService.listUsers(caller, { pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return { items: response.users.map(presentUser), nextCursor: response.nextPageToken || null };
  }

  /** The signed-in user: what a client calls first, knowing only its token. */
  @Get('me')
  async me(@Caller() caller: CallerIdentity): Promise<UserWithStatisticsJson> {
    return presentUserWithStatistics(await this.userService.getUser(caller, { id: caller.userId }));
  }

  /** One user: the caller's own (an admin's: anyone's); any other id is 404, as if it did not exist. */
  @Get(':id')
  async get(@Caller() caller: CallerIdentity, @Param() params: IdParams): Promise<UserWithStatisticsJson> {
    return presentUserWithStatistics(await this.userService.getUser(caller, { id: params.id }));
  }

  @Get(':id/orders')
  async listOrders(@Caller() caller: CallerIdentity, @Param() params: IdParams, @Query() query: PageQuery): Promise<Page<OrderJson>> {
    const response = await withPagingFieldNames(() =>
      this.orderService.listOrdersByUser(caller, { userId: params.id, pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return { items: response.orders.map(presentOrder), nextCursor: response.nextPageToken || null };
  }
}
