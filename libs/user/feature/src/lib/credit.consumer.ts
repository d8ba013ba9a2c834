import { Inject, Injectable } from '@nestjs/common';
import { ORDER_CANCELLED_TOPIC, ORDER_PLACED_TOPIC, type eventsV1 } from '@workshop/contracts';
import { type EventConsumer, type EventContext, EventHandlers, HandlesEvent, UnprocessableEventError } from '@workshop/messaging';
import { UUID } from '@workshop/pagination';
import { CreditService } from './credit.service';
import { CREDIT_EVENTS_CONSUMER } from './user.tokens';

/**
 * user-service's part of the order saga: decides each placed order's credit and releases a
 * cancelled order's. A consumer group of its own, apart from the order statistics, so that a slow
 * credit step (CREDIT_CHECK_DELAY_MS) never delays the statistics, and the other way round.
 */
@Injectable()
export class CreditConsumer extends EventHandlers {
  constructor(
    @Inject(CREDIT_EVENTS_CONSUMER) consumer: EventConsumer,
    private readonly credit: CreditService,
  ) {
    super(consumer);
  }

  @HandlesEvent(ORDER_PLACED_TOPIC)
  async decideCredit(event: eventsV1.OrderPlaced, context: EventContext): Promise<void> {
    const { total } = event;
    if (total === undefined || !UUID.test(event.orderId) || !UUID.test(event.userId)) {
      throw new UnprocessableEventError(`order.placed ${event.eventId} lacks a total, a valid orderId or a valid userId`);
    }
    await this.credit.decideForPlacedOrder({ orderId: event.orderId, userId: event.userId, total }, context);
  }

  @HandlesEvent(ORDER_CANCELLED_TOPIC)
  async releaseCredit(event: eventsV1.OrderCancelled, context: EventContext): Promise<void> {
    if (!UUID.test(event.orderId) || !UUID.test(event.userId)) {
      throw new UnprocessableEventError(`order.cancelled ${event.eventId} lacks a valid orderId or userId`);
    }
    await this.credit.releaseForCancelledOrder(event, context);
  }
}
