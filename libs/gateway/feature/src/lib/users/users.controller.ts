import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CallerIdentity } from '@workshop/grpc';
import { Caller } from '../auth/authenticated-request';
import { Public } from '../auth/public.decorator';
import { OrderServiceClient } from '../downstream/order-service.client';
import { UserServiceClient } from '../downstream/user-service.client';
import { IdParam } from '../id.param';
import { ApiBearerTokenRequired, ApiConditionalGet, ApiProblemResponses } from '../openapi/api-responses';
import { OrderPageJson, type Page, PageQuery, UserPageJson, toPageJson, withPagingFieldNames } from '../pagination.dto';
import { type OrderJson, UserJson, UserWithStatisticsJson, presentOrder, presentUser, presentUserWithStatistics } from '../presenters';
import { CreateUserBody, UpdateUserBody } from './user.dto';

@ApiTags('users')
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
  @ApiOperation({ summary: 'Create a user (sign-up: no token needed).' })
  @ApiCreatedResponse({ type: UserJson })
  @ApiProblemResponses(400, 409, 413, 415)
  async create(@Body() body: CreateUserBody): Promise<UserJson> {
    const response = await this.userService.createUser({ email: body.email, name: body.name, password: body.password });
    return presentUser(response.user);
  }

  /** Every user: admins only (403 for anyone else). */
  @Get()
  @ApiOperation({ summary: 'List users, oldest first, one page at a time. Admins only (403 for anyone else).' })
  @ApiBearerTokenRequired()
  @ApiConditionalGet(UserPageJson)
  @ApiProblemResponses(400, 403)
  async list(@Caller() caller: CallerIdentity, @Query() query: PageQuery): Promise<Page<UserJson>> {
    const response = await withPagingFieldNames(() =>
      this.userService.listUsers(caller, { pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return toPageJson(response.users.map(presentUser), response.nextPageToken);
  }

  /** The signed-in user: what a client calls first, knowing only its token. */
  @Get('me')
  @ApiOperation({ summary: 'The signed-in user, with order statistics: what a client calls first, knowing only its token.' })
  @ApiBearerTokenRequired()
  @ApiConditionalGet(UserWithStatisticsJson)
  @ApiProblemResponses()
  async me(@Caller() caller: CallerIdentity): Promise<UserWithStatisticsJson> {
    return presentUserWithStatistics(await this.userService.getUser(caller, { id: caller.userId }));
  }

  /** One user: the caller's own (an admin's: anyone's); any other id is 404, as if it did not exist. */
  @Get(':id')
  @ApiOperation({ summary: 'One user with the order statistics user-service keeps from order events.' })
  @ApiBearerTokenRequired()
  @ApiConditionalGet(UserWithStatisticsJson)
  @ApiProblemResponses(400, 404)
  async get(@Caller() caller: CallerIdentity, @IdParam() id: string): Promise<UserWithStatisticsJson> {
    return presentUserWithStatistics(await this.userService.getUser(caller, { id }));
  }

  /**
   * Changes the user: the caller's own (another id is 404). The response carries
   * `x-consistency-token` (and a cookie): send it back and the next read is served by a replica
   * that has this change, or by the primary.
   */
  @Patch(':id')
  @ApiOperation({
    summary: 'Change your name and/or email. The answer carries x-consistency-token: send it back to read your write.',
  })
  @ApiOkResponse({ type: UserJson })
  @ApiBearerTokenRequired()
  @ApiProblemResponses(400, 404, 409, 413, 415)
  async update(@Caller() caller: CallerIdentity, @IdParam() id: string, @Body() body: UpdateUserBody): Promise<UserJson> {
    const response = await this.userService.updateUser(caller, { id, email: body.email, name: body.name });
    return presentUser(response.user);
  }

  @Get(':id/orders')
  @ApiOperation({ summary: "A user's orders, newest first, one page at a time; another user's id is 404." })
  @ApiBearerTokenRequired()
  @ApiConditionalGet(OrderPageJson)
  @ApiProblemResponses(400, 404)
  async listOrders(@Caller() caller: CallerIdentity, @IdParam() id: string, @Query() query: PageQuery): Promise<Page<OrderJson>> {
    const response = await withPagingFieldNames(() =>
      this.orderService.listOrdersByUser(caller, { userId: id, pageSize: query.limit ?? 0, pageToken: query.cursor ?? '' }),
    );
    return toPageJson(response.orders.map(presentOrder), response.nextPageToken);
  }
}
