import { type eventsV1 } from '@workshop/contracts';
import { type OrderUpdateReplayBuffer } from './order-update-replay-buffer';

/** Order ids one connection may follow one by one; past it, it subscribes to all its orders. */
export const MAX_ORDER_IDS_PER_SUBSCRIPTION = 100;

/**
 * What one connection follows: all of its user's orders, or some of them by id. The user is the
 * authenticated caller and never comes from a message, so no subscription can reach another
 * user's events: an order id of someone else's simply never matches.
 */
export class OrderUpdatesSubscription {
  private all = false;
  private readonly orderIds = new Set<string>();

  constructor(readonly userId: string) {}

  /** Follows one order, or every order when `orderId` is undefined. False if the per-connection bound is reached. */
  add(orderId: string | undefined): boolean {
    if (orderId === undefined) {
      this.all = true;
      return true;
    }
    if (!this.orderIds.has(orderId) && this.orderIds.size >= MAX_ORDER_IDS_PER_SUBSCRIPTION) return false;
    this.orderIds.add(orderId);
    return true;
  }

  /** Stops following one order, or everything when `orderId` is undefined. */
  remove(orderId: string | undefined): void {
    if (orderId === undefined) {
      this.all = false;
      this.orderIds.clear();
    } else {
      this.orderIds.delete(orderId);
    }
  }

  covers(event: eventsV1.OrderStatusChanged): boolean {
    return event.userId === this.userId && (this.all || this.orderIds.has(event.orderId));
  }

  get isEmpty(): boolean {
    return !this.all && this.orderIds.size === 0;
  }
}

/** One connected client, as the hub sees it. */
export interface OrderUpdatesListener {
  readonly subscription: OrderUpdatesSubscription;
  deliver(event: eventsV1.OrderStatusChanged): void;
}

/**
 * Fans the status changes this instance consumes out to its connected clients, each getting only
 * the changes its subscription covers, and keeps the recent ones for resuming. Synchronous on
 * purpose: a subscription's replay and its first live event can never interleave.
 */
export class OrderUpdatesHub {
  private readonly listenersByUser = new Map<string, Set<OrderUpdatesListener>>();

  constructor(private readonly replayBuffer: OrderUpdateReplayBuffer) {}

  /** Hands a change to its user's listeners. A duplicate delivery of an event reaches nobody twice. */
  publish(event: eventsV1.OrderStatusChanged): void {
    if (!this.replayBuffer.append(event)) return;
    for (const listener of this.listenersByUser.get(event.userId) ?? []) {
      if (listener.subscription.covers(event)) listener.deliver(event);
    }
  }

  /** Starts delivering to a listener; returns the function that stops it. */
  attach(listener: OrderUpdatesListener): () => void {
    const { userId } = listener.subscription;
    const listeners = this.listenersByUser.get(userId) ?? new Set();
    listeners.add(listener);
    this.listenersByUser.set(userId, listeners);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.listenersByUser.get(userId) === listeners) this.listenersByUser.delete(userId);
    };
  }

  /**
   * What a listener missed after `lastEventId` that its subscription covers, oldest first;
   * undefined when this instance cannot tell (see OrderUpdateReplayBuffer.after).
   */
  missedSince(subscription: OrderUpdatesSubscription, lastEventId: string): eventsV1.OrderStatusChanged[] | undefined {
    return this.replayBuffer.after(subscription.userId, lastEventId)?.filter((event) => subscription.covers(event));
  }

  /** Connected listeners, all users together. */
  get listenerCount(): number {
    let count = 0;
    for (const listeners of this.listenersByUser.values()) count += listeners.size;
    return count;
  }
}
