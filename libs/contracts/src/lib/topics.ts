import { CreditRejected, CreditReleased, CreditReserved } from '../generated/events/v1/credit_events';
import { OrderCancelled, OrderPlaced, OrderStatusChanged } from '../generated/events/v1/order_events';

/**
 * One typed definition per Kafka topic: its name and the protobuf message its values hold.
 * Producers and consumers both go through this table, so a payload cannot drift between them.
 */
export interface TopicContract<Payload> {
  readonly name: string;
  encode(payload: Payload): Buffer;
  decode(bytes: Buffer): Payload;
}

/** The encode/decode pair every ts-proto message type has. */
interface ProtobufMessageType<Payload> {
  encode(payload: Payload): { finish(): Uint8Array };
  decode(bytes: Uint8Array): Payload;
}

function protobufTopic<Payload>(name: string, type: ProtobufMessageType<Payload>): TopicContract<Payload> {
  return {
    name,
    encode: (payload) => Buffer.from(type.encode(payload).finish()),
    decode: (bytes) => type.decode(bytes),
  };
}

// The order saga, choreographed: order-service publishes order.placed; user-service answers with
// credit.reserved or credit.rejected; order-service confirms or rejects the order. A cancellation
// publishes order.cancelled, and user-service answers with credit.released. Every event is keyed by
// the buyer's user id, so one user's events keep their order within each topic.
export const ORDER_PLACED_TOPIC = protobufTopic('order.placed', OrderPlaced);
export const ORDER_CANCELLED_TOPIC = protobufTopic('order.cancelled', OrderCancelled);
export const CREDIT_RESERVED_TOPIC = protobufTopic('credit.reserved', CreditReserved);
export const CREDIT_REJECTED_TOPIC = protobufTopic('credit.rejected', CreditRejected);
export const CREDIT_RELEASED_TOPIC = protobufTopic('credit.released', CreditReleased);
/** Every status change of every order: what the gateway pushes to WebSocket clients. */
export const ORDER_STATUS_CHANGED_TOPIC = protobufTopic('order.status-changed', OrderStatusChanged);

/** Every topic the system uses; the messaging lib creates them explicitly at start-up. */
export const ALL_TOPICS: readonly TopicContract<unknown>[] = [
  ORDER_PLACED_TOPIC,
  ORDER_CANCELLED_TOPIC,
  CREDIT_RESERVED_TOPIC,
  CREDIT_REJECTED_TOPIC,
  CREDIT_RELEASED_TOPIC,
  ORDER_STATUS_CHANGED_TOPIC,
] as readonly TopicContract<unknown>[];
