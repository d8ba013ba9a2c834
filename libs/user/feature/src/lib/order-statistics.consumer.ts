import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ORDER_PLACED_TOPIC, type eventsV1 } from '@workshop/contracts';
import { type EventConsumer } from '@workshop/messaging';
import type { Logger } from '@workshop/observability';
import { UUID } from '@workshop/pagination';
import { UserRepository } from './user.repository';
import { UserCache } from './user.cache';
import { ORDER_EVENTS_CONSUMER, USER_LOGGER } from './user.tokens';

/**
 * Keeps each user's order statistics from the order.placed events order-service publishes.
 * Runs in a consumer group: start more user-service instances and Kafka splits the partitions
 * between them; events of one user share a key, hence a partition, hence an order.
 */
@Injectable()
export class OrderStatisticsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(ORDER_EVENTS_CONSUMER) private readonly consumer: EventConsumer,
    private readonly users: UserRepository,
    private readonly userCache: UserCache,
    @Inject(USER_LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer.on(ORDER_PLACED_TOPIC, (event) => this.applyOrderPlaced(event));
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  async applyOrderPlaced(event: eventsV1.OrderPlaced): Promise<void> {
    if (event.total === undefined || event.placedAt === undefined || !UUID.test(event.eventId) || !UUID.test(event.userId)) {
      // Malformed by its producer: retrying cannot fix it, so it is logged and skipped.
      this.logger.error({ eventId: event.eventId }, 'Malformed order.placed event skipped');
      return;
    }
    const applied = await this.users.applyOrderPlaced({
      eventId: event.eventId,
      userId: event.userId,
      currencyCode: event.total.currencyCode,
      amountMinor: event.total.amountMinor,
      placedAt: event.placedAt,
    });
    // Invalidate after the commit, so a reader that refills the cache sees the new totals.
    await this.userCache.invalidateUser(event.userId);
    this.logger.info(
      { eventId: event.eventId, userId: event.userId, applied },
      applied ? 'Order statistics updated' : 'Duplicate event ignored',
    );
  }
}
