import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { type orderV1, userV1 } from '@workshop/contracts';
import { DomainError, NotFoundError, PreconditionFailedError } from '@workshop/errors';
import { callUnary } from '@workshop/grpc';
import { decodePageToken, resolvePageSize, toPage } from '@workshop/pagination';
import { OrderCache } from './order.cache';
import { OrderRepository } from './order.repository';
import { ORDER_MODULE_OPTIONS, USER_SERVICE_CLIENT } from './order.tokens';
import { validateOrderId, validatePlaceOrder } from './order.validation';

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
   * Places an order for an existing user. The existence check is a synchronous gRPC call because
   * the caller must learn at once that the user is unknown; everything downstream of the order
   * (statistics, later the saga) happens asynchronously through the order.placed event.
   */
  async placeOrder(request: orderV1.PlaceOrderRequest): Promise<orderV1.Order> {
    const order = validatePlaceOrder(request);
    await this.assertUserExists(order.userId);
    return this.orders.insertWithEvent({ ...order, id: randomUUID(), eventId: randomUUID() });
  }

  async getOrder(id: string): Promise<orderV1.Order> {
    const orderId = validateOrderId(id);
    const order = await this.cache.getOrder(orderId, async () => (await this.orders.findById(orderId)) ?? null);
    if (order === null) throw new NotFoundError('Order', orderId);
    return order;
  }

  async listOrdersByUser(request: orderV1.ListOrdersByUserRequest): Promise<orderV1.ListOrdersByUserResponse> {
    const userId = validateOrderId(request.userId, 'userId');
    const pageSize = resolvePageSize(request.pageSize);
    const after = decodePageToken(request.pageToken);
    const rows = await this.orders.listByUser(userId, pageSize + 1, after);
    const page = toPage(rows, pageSize, (order) => ({ createdAt: order.createdAt, id: order.id }));
    return { orders: page.items, nextPageToken: page.nextPageToken };
  }

  private async assertUserExists(userId: string): Promise<void> {
    try {
      await callUnary(this.userService.getUser.bind(this.userService), { id: userId }, { deadlineMs: this.options.grpcDeadlineMs });
    } catch (error) {
      // NOT_FOUND from user-service is the caller's mistake here, not a missing order.
      if (error instanceof DomainError && error.code === 'NOT_FOUND') {
        throw new PreconditionFailedError(`User ${userId} does not exist`);
      }
      throw error;
    }
  }
}
