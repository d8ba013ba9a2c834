import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { type orderV1, userV1 } from '@workshop/contracts';
import { DomainError, NotFoundError, PreconditionFailedError } from '@workshop/errors';
import { assertMayRead, type CallerIdentity, callUnary, callerIdentityMetadata } from '@workshop/grpc';
import { decodePageToken, resolvePageSize, toPage } from '@workshop/pagination';
import { OrderCache } from './order.cache';
import { OrderRepository } from './order.repository';
import { ORDER_MODULE_OPTIONS, USER_SERVICE_CLIENT } from './order.tokens';
import { validateOrderId, validateOrderPageRequests, validatePlaceOrder } from './order.validation';

export interface OrderServiceOptions {
  /** Deadline for the call to user-service that checks the buyer exists. */
  grpcDeadlineMs: number;
}

@Injectable()
export class OrderService {
  private readonly userService: userV1.UserServiceClient;

  constructor(
    private readonly orders: OrderRepository,
    private readonly cache: OrderCache,
    @Inject(USER_SERVICE_CLIENT) userServiceClient: ClientGrpc,
    @Inject(ORDER_MODULE_OPTIONS) private readonly options: OrderServiceOptions,
  ) {
    this.userService = userServiceClient.getService<userV1.UserServiceClient>(userV1.USER_SERVICE_NAME);
  }

  /**
   * Places an order for an existing user, who must be the caller: an order for anyone else gets
   * the same answer as one for a user who does not exist, so it reveals nothing. The existence
   * check is a synchronous gRPC call because the caller must learn at once that the user is
   * unknown; everything downstream of the order (statistics, later the saga) happens
   * asynchronously through the order.placed event.
   */
  async placeOrder(caller: CallerIdentity, request: orderV1.PlaceOrderRequest): Promise<orderV1.Order> {
    const order = validatePlaceOrder(request);
    if (order.userId !== caller.userId) throw unknownUser(order.userId);
    await this.assertUserExists(caller, order.userId);
    return this.orders.insertWithEvent({ ...order, id: randomUUID(), eventId: randomUUID() });
  }

  /** One order; someone else's order is NOT_FOUND, exactly like an order that does not exist. */
  async getOrder(caller: CallerIdentity, id: string): Promise<orderV1.Order> {
    const orderId = validateOrderId(id);
    const order = await this.cache.getOrder(orderId, async () => (await this.orders.findById(orderId)) ?? null);
    if (order === null) throw new NotFoundError('Order', orderId);
    assertMayRead(caller, order.userId, 'Order', orderId);
    return order;
  }

  async listOrdersByUser(caller: CallerIdentity, request: orderV1.ListOrdersByUserRequest): Promise<orderV1.ListOrdersByUserResponse> {
    const userId = validateOrderId(request.userId, 'userId');
    assertMayRead(caller, userId, 'User', userId);
    const pageSize = resolvePageSize(request.pageSize);
    const after = decodePageToken(request.pageToken);
    const rows = await this.orders.listByUser(userId, pageSize + 1, after);
    const page = toPage(rows, pageSize, (order) => ({ createdAt: order.createdAt, id: order.id }));
    return { orders: page.items, nextPageToken: page.nextPageToken };
  }

  /** Many users' pages in one query: the batch behind the gateway's GraphQL DataLoader. */
  async batchListOrdersByUser(
    caller: CallerIdentity,
    request: orderV1.BatchListOrdersByUserRequest,
  ): Promise<orderV1.BatchListOrdersByUserResponse> {
    const pages = validateOrderPageRequests(request.requests);
    for (const page of pages) assertMayRead(caller, page.userId, 'User', page.userId);
    // One row more than each page size tells whether that user has a next page, as in listOrdersByUser.
    const rowsByPage = await this.orders.listByUsers(pages.map((page) => ({ ...page, limit: page.pageSize + 1 })));
    return {
      responses: pages.map((page, index) => {
        const listed = toPage(rowsByPage[index] ?? [], page.pageSize, (order) => ({ createdAt: order.createdAt, id: order.id }));
        return { orders: listed.items, nextPageToken: listed.nextPageToken };
      }),
    };
  }

  /** Asks user-service, on behalf of the same caller, so its ownership rule applies there too. */
  private async assertUserExists(caller: CallerIdentity, userId: string): Promise<void> {
    try {
      await callUnary(
        this.userService.getUser.bind(this.userService),
        { id: userId },
        { deadlineMs: this.options.grpcDeadlineMs, metadata: callerIdentityMetadata(caller) },
      );
    } catch (error) {
      // NOT_FOUND from user-service is the caller's mistake here, not a missing order.
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw unknownUser(userId);
      throw error;
    }
  }
}

function unknownUser(userId: string): PreconditionFailedError {
  return new PreconditionFailedError(`User ${userId} does not exist`);
}
