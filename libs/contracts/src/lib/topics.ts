import { OrderPlaced } from '../generated/events/v1/order_events';

/**
 * One typed definition per Kafka topic: its name and the protobuf message its values hold.
 * Producers and consumers both go through this table, so a payload cannot drift between them.
 */
export interface TopicContract<Payload> {
  readonly name: string;
  encode(payload: Payload): Buffer;
  decode(bytes: Buffer): Payload;
}

export const ORDER_PLACED_TOPIC: TopicContract<OrderPlaced> = {
  name: 'order.placed',
  encode: (payload) => Buffer.from(OrderPlaced.encode(payload).finish()),
  decode: (bytes) => OrderPlaced.decode(bytes),
};

/** Every topic the system uses; the messaging lib creates them explicitly at start-up. */
export const ALL_TOPICS: readonly TopicContract<unknown>[] = [ORDER_PLACED_TOPIC as TopicContract<unknown>];
