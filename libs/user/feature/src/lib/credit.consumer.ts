import { Inject, Injectable } from '@nestjs/common';
import { ORDER_CANCELLED_TOPIC, ORDER_PLACED_TOPIC, type eventsV1 } from '@workshop/contracts';
import {
  type EventConsumer,
  type EventContext,
  EventHandlers,
  HandlesEvent,
  HandlesEventBatch,
  UnprocessableEventError,
} from '@workshop/messaging';
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

  /**
   * A batch at a time (one partition's fetched events): their credit checks wait on the slow
   * dependency together, then the decisions are taken in partition order in one transaction. One
   * at a time, a 100 ms check would cap each partition at ten orders a second.
   */
  @HandlesEventBatch(ORDER_PLACED_TOPIC)
  async decideCredit(events: readonly eventsV1.OrderPlaced[], contexts: readonly EventContext[]): Promise<void> {
    const orders = events.map(({ eventId, orderId, userId, total }) => {
      if (total === undefined || !UUID.test(orderId) || !UUID.test(userId)) {
        // The consumer retries the batch one event at a time, and this one goes to the dead letters.
        throw new UnprocessableEventError(`order.placed ${eventId} lacks a total, a valid orderId or a valid userId`);
      }
      return { orderId, userId, total };
    });
    await this.credit.decideForPlacedOrders(orders, contexts);
  }

  @HandlesEvent(ORDER_CANCELLED_TOPIC)
  async releaseCredit(event: eventsV1.OrderCancelled, context: EventContext): Promise<void> {
    if (!UUID.test(event.orderId) || !UUID.test(event.userId)) {
      throw new UnprocessableEventError(`order.cancelled ${event.eventId} lacks a valid orderId or userId`);
    }
    await this.credit.releaseForCancelledOrder(event, context);
  }
}
