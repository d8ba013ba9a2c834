import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ORDER_STATUS_CHANGED_TOPIC, type eventsV1 } from '@workshop/contracts';
import { EventConsumer, HandlesEvent, type KafkaConfig, UnprocessableEventError } from '@workshop/messaging';
import { type Logger } from '@workshop/observability';
import { type OrderUpdatesHub } from './order-updates.hub';

/**
 * This instance's own consumer group: every gateway instance must see every status change, since
 * its clients may follow any user. Host name for the operator reading `kafka-consumer-groups`,
 * random part because a restarted container keeps its host name.
 */
export function orderUpdatesGroupId(host: string = hostname()): string {
  return `gateway.order-updates.${host.replace(/[^A-Za-z0-9.-]/g, '-').slice(0, 60)}.${randomUUID().slice(0, 8)}`;
}

/**
 * Feeds `order.status-changed` from Kafka into the hub, through an ephemeral consumer group of
 * this instance alone (libs/messaging): it reads every partition from the moment it starts, has no
 * retry or dead-letter topics, and is deleted on shutdown. Consuming starts in the background, so
 * the gateway serves HTTP while Kafka is unreachable; its clients then simply get no updates yet.
 */
export class OrderUpdatesFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly consumer: EventConsumer;

  constructor(
    private readonly hub: OrderUpdatesHub,
    kafka: KafkaConfig & { groupId: string },
    private readonly logger: Logger,
  ) {
    this.consumer = new EventConsumer({ ...kafka, ephemeral: true }, logger).register(this);
  }

  /** True once it consumes; false while Kafka is unreachable. */
  get isConsuming(): boolean {
    return this.consumer.isRunning;
  }

  onApplicationBootstrap(): void {
    this.consumer.start().catch((error: unknown) => this.logger.error({ err: error }, 'order updates: cannot start consuming'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
  }

  @HandlesEvent(ORDER_STATUS_CHANGED_TOPIC)
  async applyStatusChange(event: eventsV1.OrderStatusChanged): Promise<void> {
    if (event.eventId === '' || event.userId === '' || event.orderId === '') {
      throw new UnprocessableEventError('order.status-changed without eventId, userId or orderId');
    }
    this.hub.publish(event);
  }
}
