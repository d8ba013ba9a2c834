import { randomUUID } from 'node:crypto';
import { type eventsV1, orderV1 } from '@workshop/contracts';
import { OrderUpdateReplayBuffer } from './order-update-replay-buffer';
import { MAX_ORDER_IDS_PER_SUBSCRIPTION, OrderUpdatesHub, OrderUpdatesSubscription } from './order-updates.hub';

function change(userId: string, orderId: string): eventsV1.OrderStatusChanged {
  return {
    eventId: randomUUID(),
    orderId,
    userId,
    status: orderV1.OrderStatus.ORDER_STATUS_CONFIRMED,
    previousStatus: orderV1.OrderStatus.ORDER_STATUS_PLACED,
    reason: '',
  };
}

function listener(userId: string) {
  const received: eventsV1.OrderStatusChanged[] = [];
  return {
    subscription: new OrderUpdatesSubscription(userId),
    deliver: (event: eventsV1.OrderStatusChanged) => received.push(event),
    received,
  };
}

describe('OrderUpdatesHub', () => {
  let hub: OrderUpdatesHub;
  beforeEach(() => {
    hub = new OrderUpdatesHub(new OrderUpdateReplayBuffer({ eventsPerUser: 10, users: 10 }));
  });

  it("delivers a user's changes to that user's subscribed listeners only", () => {
    const alice = listener('alice');
    const aliceElsewhere = listener('alice');
    const bob = listener('bob');
    [alice, aliceElsewhere, bob].forEach((each) => {
      each.subscription.add(undefined);
      hub.attach(each);
    });
    const aliceChange = change('alice', 'order-1');
    hub.publish(aliceChange);
    expect(alice.received).toEqual([aliceChange]);
    expect(aliceElsewhere.received).toEqual([aliceChange]);
    expect(bob.received).toEqual([]);
  });

  it('delivers nothing before a subscribe, and only the followed order after subscribing to one', () => {
    const alice = listener('alice');
    hub.attach(alice);
    hub.publish(change('alice', 'order-1'));
    expect(alice.received).toEqual([]);
    alice.subscription.add('order-2');
    hub.publish(change('alice', 'order-1'));
    const followed = change('alice', 'order-2');
    hub.publish(followed);
    expect(alice.received).toEqual([followed]);
  });

  it("never matches another user's order, even when its id is followed", () => {
    const alice = listener('alice');
    alice.subscription.add('bobs-order');
    hub.attach(alice);
    hub.publish(change('bob', 'bobs-order'));
    expect(alice.received).toEqual([]);
  });

  it('stops delivering once detached or unsubscribed, and delivers a duplicate event once', () => {
    const alice = listener('alice');
    alice.subscription.add(undefined);
    const detach = hub.attach(alice);
    const event = change('alice', 'order-1');
    hub.publish(event);
    hub.publish({ ...event });
    expect(alice.received).toHaveLength(1);
    alice.subscription.remove(undefined);
    expect(alice.subscription.isEmpty).toBe(true);
    hub.publish(change('alice', 'order-1'));
    alice.subscription.add(undefined);
    detach();
    hub.publish(change('alice', 'order-1'));
    expect(alice.received).toHaveLength(1);
    expect(hub.listenerCount).toBe(0);
  });

  it('replays what a subscription missed after an event id, filtered by what it follows', () => {
    const seen = change('alice', 'order-1');
    const missedOther = change('alice', 'order-2');
    const missedFollowed = change('alice', 'order-1');
    [seen, missedOther, missedFollowed].forEach((event) => hub.publish(event));
    const subscription = new OrderUpdatesSubscription('alice');
    subscription.add('order-1');
    expect(hub.missedSince(subscription, seen.eventId)).toEqual([missedFollowed]);
    expect(hub.missedSince(new OrderUpdatesSubscription('bob'), seen.eventId)).toBeUndefined();
  });

  it('bounds the order ids one subscription follows one by one', () => {
    const subscription = new OrderUpdatesSubscription('alice');
    for (let index = 0; index < MAX_ORDER_IDS_PER_SUBSCRIPTION; index += 1) expect(subscription.add(`order-${index}`)).toBe(true);
    expect(subscription.add('one-too-many')).toBe(false);
    expect(subscription.add('order-0')).toBe(true);
    expect(subscription.add(undefined)).toBe(true);
  });
});
