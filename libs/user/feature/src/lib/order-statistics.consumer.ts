import { Inject, Injectable } from '@nestjs/common';
import { ORDER_STATUS_CHANGED_TOPIC, type eventsV1, orderV1 } from '@workshop/contracts';
import {
  type EventConsumer,
  type EventContext,
  EventHandlers,
  HandlesEvent,
  type Inbox,
  UnprocessableEventError,
} from '@workshop/messaging';
import type { Logger } from '@workshop/observability';
import { UUID } from '@workshop/pagination';
import { UserRepository } from './user.repository';
import { UserCache } from './user.cache';
import { INBOX, ORDER_EVENTS_CONSUMER, USER_LOGGER } from './user.tokens';

/**
 * Keeps each user's statistics of confirmed orders from the order.status-changed events
 * order-service publishes: an order counts once it is CONFIRMED, and stops counting if it is then
 * CANCELLED; placed orders waiting for their credit, and rejected ones, never count. Runs in a
 * consumer group: start more user-service instances and Kafka splits the partitions between
 * them; one user's events share a key, hence a partition, hence an order (a confirmation is
 * always applied before its cancellation). Each event changes the statistics exactly once: the
 * inbox records it in the same transaction.
 */
@Injectable()
export class OrderStatisticsConsumer extends EventHandlers {
  constructor(
    @Inject(ORDER_EVENTS_CONSUMER) consumer: EventConsumer,
    @Inject(INBOX) private readonly inbox: Inbox,
    private readonly users: UserRepository,
    private readonly userCache: UserCache,
    @Inject(USER_LOGGER) private readonly logger: Logger,
  ) {
    super(consumer);
  }

  @HandlesEvent(ORDER_STATUS_CHANGED_TOPIC)
  async applyStatusChange(event: eventsV1.OrderStatusChanged, context: EventContext): Promise<void> {
    const change = countChange(event);
    if (change === 0) return;
    if (event.total === undefined || event.occurredAt === undefined || !UUID.test(event.userId)) {
      // Malformed by its producer: no retry can fix it, so it goes to the dead-letter topic.
      throw new UnprocessableEventError(`order.status-changed ${event.eventId} lacks a total, an occurredAt or a valid userId`);
    }
    const { total, occurredAt } = event;
    const outcome = await this.inbox.processOnce(context, (tx) =>
      this.users.applyOrderCounted(tx, {
        userId: event.userId,
        currencyCode: total.currencyCode,
        amountMinor: total.amountMinor,
        at: occurredAt,
        change,
      }),
    );
    // Invalidate after the commit, so a reader that refills the cache sees the new totals.
    await this.userCache.invalidateUser(event.userId);
    this.logger.info(
      { eventId: context.eventId, userId: event.userId, applied: outcome.processed },
      outcome.processed ? 'Order statistics updated' : 'Duplicate event ignored',
    );
  }
}

/** +1 when an order is confirmed, -1 when a confirmed order is cancelled, 0 for anything else. */
function countChange(event: eventsV1.OrderStatusChanged): 1 | -1 | 0 {
  if (event.status === orderV1.OrderStatus.ORDER_STATUS_CONFIRMED) return 1;
  const wasCounted = event.previousStatus === orderV1.OrderStatus.ORDER_STATUS_CONFIRMED;
  return event.status === orderV1.OrderStatus.ORDER_STATUS_CANCELLED && wasCounted ? -1 : 0;
}
