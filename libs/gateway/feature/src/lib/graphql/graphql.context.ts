import { Injectable } from '@nestjs/common';
import type { CallerIdentity } from '@workshop/grpc';
import DataLoader from 'dataloader';
import { OrderServiceClient } from '../downstream/order-service.client';
import { UserServiceClient } from '../downstream/user-service.client';
import { type Page, toPageJson, withPagingFieldNames } from '../pagination.dto';
import { type OrderJson, type UserWithStatisticsJson, presentOrder, presentUserWithStatistics } from '../presenters';

/** One page of one user's orders, as `User.orders(first, after)` asks for it. */
export interface OrderPageKey {
  userId: string;
  first: number;
  /** Empty for the first page. */
  after: string;
}

/** What every resolver of one GraphQL request gets as its third argument. */
export interface GraphqlContext {
  /** Who the request is for, from its access token: every downstream call acts for them. */
  readonly caller: CallerIdentity;
  readonly userService: UserServiceClient;
  readonly orderService: OrderServiceClient;
  /** A user with statistics by id (null when unknown): all ids asked for in one tick go in one BatchGetUsers. */
  readonly userById: DataLoader<string, UserWithStatisticsJson | null>;
  /** A page of a user's orders: all pages asked for in one tick go in one BatchListOrdersByUser. */
  readonly orderPage: DataLoader<OrderPageKey, Page<OrderJson>, string>;
}

/** The batch RPCs take at most this many ids or requests; a bigger tick is split into several calls. */
const MAX_BATCH_SIZE = 100;

/** GraphQL speaks of `first` and `after` where the services speak of pageSize and pageToken. */
const GRAPHQL_PAGING_FIELDS = { pageSize: 'first', pageToken: 'after' };

/**
 * Builds the context of each GraphQL request, the one place that does: the controller calls
 * `create()` once per request. Its DataLoaders are new for every request, so batching and
 * memoization never mix two requests or two callers. Every call is made for the request's caller,
 * so the services apply the same ownership rules as for REST: another user is null, as unknown.
 *
 * Why DataLoader: resolving `users { orders }` calls `User.orders` once per user. Each call only
 * enqueues its key; at the end of the tick the loader sends every key in one batch RPC. A page of N
 * users with their orders and statistics is then ListUsers + BatchListOrdersByUser +
 * BatchGetUsers: three calls for N <= 100, instead of 2N + 1.
 */
@Injectable()
export class GraphqlContextFactory {
  constructor(
    private readonly userService: UserServiceClient,
    private readonly orderService: OrderServiceClient,
  ) {}

  create(caller: CallerIdentity): GraphqlContext {
    return {
      caller,
      userService: this.userService,
      orderService: this.orderService,
      userById: new DataLoader((ids) => this.loadUsers(caller, ids), { maxBatchSize: MAX_BATCH_SIZE }),
      orderPage: new DataLoader((keys) => this.loadOrderPages(caller, keys), {
        maxBatchSize: MAX_BATCH_SIZE,
        cacheKeyFn: (key) => `${key.userId}\n${key.first}\n${key.after}`,
      }),
    };
  }

  private async loadUsers(caller: CallerIdentity, ids: readonly string[]): Promise<(UserWithStatisticsJson | null)[]> {
    const response = await this.userService.batchGetUsers(caller, { ids: [...ids] });
    const byId = new Map(response.users.map((found) => [found.user?.id, presentUserWithStatistics(found)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  private async loadOrderPages(caller: CallerIdentity, keys: readonly OrderPageKey[]): Promise<Page<OrderJson>[]> {
    const response = await withPagingFieldNames(
      () =>
        this.orderService.batchListOrdersByUser(caller, {
          requests: keys.map((key) => ({ userId: key.userId, pageSize: key.first, pageToken: key.after })),
        }),
      GRAPHQL_PAGING_FIELDS,
    );
    return keys.map((_, index) => {
      const page = response.responses[index];
      if (page === undefined) throw new Error('order-service answered fewer pages than it was asked for');
      return toPageJson(page.orders.map(presentOrder), page.nextPageToken);
    });
  }
}
