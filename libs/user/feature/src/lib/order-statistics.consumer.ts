import { Inject, Injectable } from '@nestjs/common';
import { ORDER_PLACED_TOPIC, type eventsV1 } from '@workshop/contracts';
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
 * Keeps each user's order statistics from the order.placed events order-service publishes.
 * Runs in a consumer group: start more user-service instances and Kafka splits the partitions
 * between them; events of one user share a key, hence a partition, hence an order. Each event
 * changes the statistics exactly once: the inbox records it in the same transaction.
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

  @HandlesEvent(ORDER_PLACED_TOPIC)
  async applyOrderPlaced(event: eventsV1.OrderPlaced, context: EventContext): Promise<void> {
    if (event.total === undefined || event.placedAt === undefined || !UUID.test(event.userId)) {
      // Malformed by its producer: no retry can fix it, so it goes to the dead-letter topic.
      throw new UnprocessableEventError(`order.placed ${event.eventId} lacks a total, a placedAt or a valid userId`);
    }
    const { total, placedAt } = event;
    const outcome = await this.inbox.processOnce(context, (tx) =>
      this.users.applyOrderPlaced(tx, { userId: event.userId, currencyCode: total.currencyCode, amountMinor: total.amountMinor, placedAt }),
    );
    // Invalidate after the commit, so a reader that refills the cache sees the new totals.
    await this.userCache.invalidateUser(event.userId);
    this.logger.info(
      { eventId: context.eventId, userId: event.userId, applied: outcome.processed },
      outcome.processed ? 'Order statistics updated' : 'Duplicate event ignored',
    );
  }
}
