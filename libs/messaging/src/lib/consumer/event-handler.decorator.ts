import 'reflect-metadata';
import { type TopicContract } from '@workshop/contracts';
import { type EventContext } from './event-context';

const EVENT_HANDLERS = Symbol('messaging:event-handlers');

interface HandlerRegistration {
  topic: TopicContract<unknown>;
  methodName: string | symbol;
}

/** A method that handles one topic's events, as `@HandlesEvent` requires it. */
type HandlerMethod<P> = (payload: P, context: EventContext) => Promise<void>;

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
    const registrations = [...handlerRegistrations(target), { topic: topic as TopicContract<unknown>, methodName }];
    Reflect.defineMetadata(EVENT_HANDLERS, registrations, target);
  };
}

/** The topic handlers an instance's class declares with `@HandlesEvent`, bound to the instance. */
export function declaredEventHandlers(
  instance: object,
): { topic: TopicContract<unknown>; handle: (payload: unknown, context: EventContext) => Promise<void> }[] {
  return handlerRegistrations(Object.getPrototypeOf(instance) as object).map(({ topic, methodName }) => {
    const method = (instance as Record<string | symbol, unknown>)[methodName] as HandlerMethod<unknown>;
    return { topic, handle: (payload, context) => method.call(instance, payload, context) };
  });
}

function handlerRegistrations(target: object): readonly HandlerRegistration[] {
  return (Reflect.getMetadata(EVENT_HANDLERS, target) as HandlerRegistration[] | undefined) ?? [];
}
