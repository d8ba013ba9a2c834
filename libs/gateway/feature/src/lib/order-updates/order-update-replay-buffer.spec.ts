import { randomUUID } from 'node:crypto';
import { type eventsV1, orderV1 } from '@workshop/contracts';
import { OrderUpdateReplayBuffer } from './order-update-replay-buffer';

function change(userId: string, eventId = randomUUID()): eventsV1.OrderStatusChanged {
  return {
    eventId,
    orderId: randomUUID(),
    userId,
    status: orderV1.OrderStatus.ORDER_STATUS_PLACED,
    previousStatus: orderV1.OrderStatus.ORDER_STATUS_UNSPECIFIED,
    reason: '',
  };
}

const ids = (events: eventsV1.OrderStatusChanged[] | undefined) => events?.map((event) => event.eventId);

describe('OrderUpdateReplayBuffer', () => {
  it('gives the changes after an event id, oldest first, and none after the latest', () => {
    const buffer = new OrderUpdateReplayBuffer({ eventsPerUser: 10, users: 10 });
    const [a, b, c] = [change('alice'), change('alice'), change('alice')];
    [a, b, c].forEach((event) => buffer.append(event));
    expect(ids(buffer.after('alice', a.eventId))).toEqual([b.eventId, c.eventId]);
    expect(buffer.after('alice', c.eventId)).toEqual([]);
  });

  it('does not know an id that is too old, unknown, or another user’s', () => {
    const buffer = new OrderUpdateReplayBuffer({ eventsPerUser: 2, users: 10 });
    const [oldest, middle, newest] = [change('alice'), change('alice'), change('alice')];
    [oldest, middle, newest].forEach((event) => buffer.append(event));
    expect(buffer.after('alice', oldest.eventId)).toBeUndefined();
    expect(ids(buffer.after('alice', middle.eventId))).toEqual([newest.eventId]);
    expect(buffer.after('alice', randomUUID())).toBeUndefined();
    expect(buffer.after('bob', middle.eventId)).toBeUndefined();
  });

  it('keeps an event once, however often Kafka delivers it', () => {
    const buffer = new OrderUpdateReplayBuffer({ eventsPerUser: 10, users: 10 });
    const [first, second] = [change('alice'), change('alice')];
    expect(buffer.append(first)).toBe(true);
    expect(buffer.append(second)).toBe(true);
    expect(buffer.append({ ...first })).toBe(false);
    expect(ids(buffer.after('alice', first.eventId))).toEqual([second.eventId]);
  });

  it('forgets the user updated least recently beyond its bound of users', () => {
    const buffer = new OrderUpdateReplayBuffer({ eventsPerUser: 5, users: 2 });
    const alice = change('alice');
    const bob = change('bob');
    buffer.append(alice);
    buffer.append(bob);
    buffer.append(change('alice')); // alice is now the most recent
    buffer.append(change('carol')); // bob goes
    expect(buffer.userCount).toBe(2);
    expect(buffer.after('bob', bob.eventId)).toBeUndefined();
    expect(buffer.after('alice', alice.eventId)).toHaveLength(1);
  });

  it('rejects limits that would not bound anything', () => {
    expect(() => new OrderUpdateReplayBuffer({ eventsPerUser: 0, users: 1 })).toThrow(/positive integers/);
    expect(() => new OrderUpdateReplayBuffer({ eventsPerUser: 1, users: 1.5 })).toThrow(/positive integers/);
  });
});
