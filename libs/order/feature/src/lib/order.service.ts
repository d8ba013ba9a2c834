import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { ClientGrpc } from '@nestjs/microservices';
import { type orderV1, userV1 } from '@workshop/contracts';
import { DomainError, NotFoundError, PreconditionFailedError } from '@workshop/errors';
import { assertMayRead, type CallerIdentity, type UnaryCalls, callUnary, callerIdentityMetadata, unaryCalls } from '@workshop/grpc';
import { type Logger } from '@workshop/observability';
import { decodePageToken, resolvePageSize, toPage } from '@workshop/pagination';
import { OrderCache } from './order.cache';
import { type CreditOutcome, OrderRepository } from './order.repository';
import { ORDER_LOGGER, ORDER_MODULE_OPTIONS, USER_SERVICE_CLIENT } from './order.tokens';
import { validateOrderId, validateOrderPageRequests, validatePlaceOrder } from './order.validation';

/**
 * How an order's credit is decided. `async` (the default): the order is written PLACED and
 * user-service decides when it consumes order.placed (the choreographed saga). `sync`: PlaceOrder
 * asks user-service's ReserveCredit first and writes the order CONFIRMED or REJECTED, so the caller
 * waits for every step: the chain the load tests' async scenario compares the saga with.
 */
export type OrderProcessingMode = 'sync' | 'async';

export interface OrderServiceOptions {
  /** Deadline for each call to user-service. */
  grpcDeadlineMs: number;
  processingMode: OrderProcessingMode;
}

@Injectable()
export class OrderService {
  private readonly userService: UnaryCalls<userV1.UserServiceClient>;

  constructor(
    private readonly orders: OrderRepository,
    private readonly cache: OrderCache,
    @Inject(USER_SERVICE_CLIENT) userServiceClient: ClientGrpc,
    @Inject(ORDER_MODULE_OPTIONS) private readonly options: OrderServiceOptions,
    @Inject(ORDER_LOGGER) private readonly logger: Logger,
  ) {
    this.userService = unaryCalls<userV1.UserServiceClient>(userServiceClient, userV1.USER_SERVICE_NAME);
  }

  /**
   * Places an order for an existing user, who must be the caller: an order for anyone else gets
   * the same answer as one for a user who does not exist, so it reveals nothing. The existence
   * check is a synchronous gRPC call because the caller must learn at once that the user is
   * unknown; everything downstream of the order (the credit step, statistics) happens
   * asynchronously through the order.placed event, unless the processing mode is `sync`.
   */
  async placeOrder(caller: CallerIdentity, request: orderV1.PlaceOrderRequest): Promise<orderV1.Order> {
    const validated = validatePlaceOrder(request);
    if (validated.userId !== caller.userId) throw unknownUser(validated.userId);
    await this.assertUserExists(caller, validated.userId);
    const order = { ...validated, id: randomUUID(), eventId: randomUUID() };
    if (this.options.processingMode === 'async') return this.orders.insertWithEvent(order);

    try {
      return await this.orders.insertWithEvent(order, await this.reserveCredit(caller, order));
    } catch (error) {
      // The dual write the saga avoids: credit reserved, or perhaps reserved (a ReserveCredit that
      // missed its deadline may still have committed), for an order that was never written. Give
      // it back now: releasing credit never reserved changes nothing, and a reservation that
      // arrives after the release finds the order decided. If the release fails too, the log says so.
      await this.releaseCredit(caller, order);
      throw error;
    }
  }

  /**
   * Cancels the caller's order; user-service releases its credit when it consumes order.cancelled.
   * Someone else's order is NOT_FOUND. A REJECTED order cannot be cancelled (FAILED_PRECONDITION);
   * cancelling a CANCELLED order again answers with it unchanged.
   */
  async cancelOrder(caller: CallerIdentity, id: string): Promise<orderV1.Order> {
    const orderId = validateOrderId(id);
    await this.getOrder(caller, orderId);
    const outcome = await this.orders.cancel(orderId);
    if (outcome === undefined) throw new NotFoundError('Order', orderId);
    if (!outcome.cancelled) throw new PreconditionFailedError(`Order ${orderId} was rejected and cannot be cancelled`);
    await this.cache.invalidateOrder(orderId);
    return outcome.order;
  }

  /** Every step of the caller's order, oldest first. */
  async getOrderHistory(caller: CallerIdentity, id: string): Promise<orderV1.OrderHistoryEntry[]> {
    const orderId = validateOrderId(id);
    await this.getOrder(caller, orderId);
    return this.orders.history(orderId);
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
        this.userService.getUser,
        { id: userId },
        { deadlineMs: this.options.grpcDeadlineMs, metadata: callerIdentityMetadata(caller) },
      );
    } catch (error) {
      // NOT_FOUND from user-service is the caller's mistake here, not a missing order.
      if (error instanceof DomainError && error.code === 'NOT_FOUND') throw unknownUser(userId);
      throw error;
    }
  }

  private async reserveCredit(
    caller: CallerIdentity,
    order: { id: string; userId: string; currencyCode: string; totalMinor: number },
  ): Promise<CreditOutcome> {
    const answer = await callUnary(
      this.userService.reserveCredit,
      { orderId: order.id, userId: order.userId, amount: { amountMinor: order.totalMinor, currencyCode: order.currencyCode } },
      { deadlineMs: this.options.grpcDeadlineMs, metadata: callerIdentityMetadata(caller) },
    );
    return answer.reserved ? { reserved: true } : { reserved: false, reason: answer.rejectionReason };
  }

  private async releaseCredit(caller: CallerIdentity, order: { id: string; userId: string }): Promise<void> {
    try {
      await callUnary(
        this.userService.releaseCredit,
        { orderId: order.id, userId: order.userId },
        { deadlineMs: this.options.grpcDeadlineMs, metadata: callerIdentityMetadata(caller) },
      );
    } catch (error) {
      this.logger.error(
        { err: error, orderId: order.id, userId: order.userId },
        'credit reserved for an order that was not written, and not released',
      );
    }
  }
}

function unknownUser(userId: string): PreconditionFailedError {
  return new PreconditionFailedError(`User ${userId} does not exist`);
}
