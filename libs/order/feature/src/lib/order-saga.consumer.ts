import { Inject, Injectable } from '@nestjs/common';
import { CREDIT_REJECTED_TOPIC, CREDIT_RELEASED_TOPIC, CREDIT_RESERVED_TOPIC, type eventsV1 } from '@workshop/contracts';
import { type TransactionExecutor } from '@workshop/db';
import {
  type EventConsumer,
  type EventContext,
  EventHandlers,
  HandlesEvent,
  type Inbox,
  UnprocessableEventError,
} from '@workshop/messaging';
import { UUID } from '@workshop/pagination';
import { OrderCache } from './order.cache';
import { OrderRepository } from './order.repository';
import { INBOX, ORDER_SAGA_CONSUMER } from './order.tokens';

/**
 * order-service's part of the order saga: moves each order on when user-service has decided its
 * credit (CONFIRMED or REJECTED), and records the release of a cancelled order's credit. Each event
 * is applied once (the inbox, in the same transaction as the status change and the
 * order.status-changed event it publishes); the cached order is dropped after the commit.
 */
@Injectable()
export class OrderSagaConsumer extends EventHandlers {
  constructor(
    @Inject(ORDER_SAGA_CONSUMER) consumer: EventConsumer,
    @Inject(INBOX) private readonly inbox: Inbox,
    private readonly orders: OrderRepository,
    private readonly cache: OrderCache,
  ) {
    super(consumer);
  }

  @HandlesEvent(CREDIT_RESERVED_TOPIC)
  async confirmOrder(event: eventsV1.CreditReserved, context: EventContext): Promise<void> {
    await this.applyOnce(event, context, (tx) =>
      this.orders.applyCreditDecision(tx, event.orderId, { reserved: true }, event.reservedAt ?? new Date()),
    );
  }

  @HandlesEvent(CREDIT_REJECTED_TOPIC)
  async rejectOrder(event: eventsV1.CreditRejected, context: EventContext): Promise<void> {
    await this.applyOnce(event, context, (tx) =>
      this.orders.applyCreditDecision(tx, event.orderId, { reserved: false, reason: event.reason }, event.rejectedAt ?? new Date()),
    );
  }

  @HandlesEvent(CREDIT_RELEASED_TOPIC)
  async recordCreditReleased(event: eventsV1.CreditReleased, context: EventContext): Promise<void> {
    await this.applyOnce(event, context, (tx) => this.orders.recordCreditReleased(tx, event.orderId, event.releasedAt ?? new Date()));
  }

  private async applyOnce(
    event: { eventId: string; orderId: string },
    context: EventContext,
    apply: (tx: TransactionExecutor) => Promise<boolean>,
  ): Promise<void> {
    if (!UUID.test(event.orderId)) throw new UnprocessableEventError(`${context.topic} ${event.eventId} has no valid orderId`);
    await this.inbox.processOnce(context, async (tx) => {
      // order-service wrote the order before publishing order.placed, so every credit event names
      // a known order: one that does not is a producer's bug, for the dead-letter topic (the
      // thrown error rolls the inbox row back with everything else).
      const known = await apply(tx);
      if (!known) throw new UnprocessableEventError(`${context.topic} ${event.eventId} names unknown order ${event.orderId}`);
    });
    await this.cache.invalidateOrder(event.orderId);
  }
}
