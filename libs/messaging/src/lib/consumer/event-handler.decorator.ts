import 'reflect-metadata';
import { type TopicContract } from '@workshop/contracts';
import { type EventContext } from './event-context';

const EVENT_HANDLERS = Symbol('messaging:event-handlers');

interface HandlerRegistration {
  topic: TopicContract<unknown>;
  methodName: string | symbol;
  /** True for `@HandlesEventBatch`: the method takes arrays of payloads and contexts. */
  batched: boolean;
}

/** A method that handles one topic's events, as `@HandlesEvent` requires it. */
type HandlerMethod<P> = (payload: P, context: EventContext) => Promise<void>;

/** A method that handles several of one topic's events at once, as `@HandlesEventBatch` requires it. */
type BatchHandlerMethod<P> = (payloads: readonly P[], contexts: readonly EventContext[]) => Promise<void>;

/** A handler an instance declares, bound to the instance; `EventConsumer.register` subscribes it. */
export type DeclaredEventHandler =
  | { topic: TopicContract<unknown>; batched: false; handle: HandlerMethod<unknown> }
  | { topic: TopicContract<unknown>; batched: true; handle: BatchHandlerMethod<unknown> };

/**
 * Marks a method as the handler of one topic's events. The class is then given to
 * `EventConsumer.register`, which subscribes its group to every topic its methods handle:
 *
 * ```ts
 * class CreditReservationHandler {
 *   @HandlesEvent(ORDER_PLACED_TOPIC)
 *   async reserveCredit(event: OrderPlaced, context: EventContext) { ... }
 * }
 * ```
 *
 * The decorator only records metadata; which consumer group runs the handlers is configuration,
 * decided where the consumer is built.
 */
export function HandlesEvent<P>(topic: TopicContract<P>) {
  return <T extends HandlerMethod<P>>(target: object, methodName: string | symbol, _descriptor: TypedPropertyDescriptor<T>): void => {
    declare(target, { topic: topic as TopicContract<unknown>, methodName, batched: false });
  };
}

/**
 * Marks a method as the batch handler of one topic's events (see `EventConsumer.onBatch`): it is
 * given the events of one partition's fetch at once, in order, and applies them in one
 * transaction, usually with `Inbox.processBatchOnce`:
 *
 * ```ts
 * class CreditReservationHandler {
 *   @HandlesEventBatch(ORDER_PLACED_TOPIC)
 *   async reserveCredit(events: readonly OrderPlaced[], contexts: readonly EventContext[]) { ... }
 * }
 * ```
 */
export function HandlesEventBatch<P>(topic: TopicContract<P>) {
  return <T extends BatchHandlerMethod<P>>(target: object, methodName: string | symbol, _descriptor: TypedPropertyDescriptor<T>): void => {
    declare(target, { topic: topic as TopicContract<unknown>, methodName, batched: true });
  };
}

/** The topic handlers an instance's class declares with `@HandlesEvent` and `@HandlesEventBatch`, bound to the instance. */
export function declaredEventHandlers(instance: object): DeclaredEventHandler[] {
  return handlerRegistrations(Object.getPrototypeOf(instance) as object).map(({ topic, methodName, batched }): DeclaredEventHandler => {
    const method = (instance as Record<string | symbol, unknown>)[methodName] as (...args: unknown[]) => Promise<void>;
    const handle = (...args: unknown[]) => method.apply(instance, args);
    return batched ? { topic, batched: true, handle } : { topic, batched: false, handle };
  });
}

function declare(target: object, registration: HandlerRegistration): void {
  Reflect.defineMetadata(EVENT_HANDLERS, [...handlerRegistrations(target), registration], target);
}

function handlerRegistrations(target: object): readonly HandlerRegistration[] {
  return (Reflect.getMetadata(EVENT_HANDLERS, target) as HandlerRegistration[] | undefined) ?? [];
}
