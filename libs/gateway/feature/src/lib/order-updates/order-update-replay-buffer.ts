import { type eventsV1 } from '@workshop/contracts';

export interface ReplayBufferLimits {
  /** The most recent status changes kept per user; a client further behind must resync. */
  eventsPerUser: number;
  /** Users whose changes are kept; the one updated least recently is forgotten first. */
  users: number;
}

/**
 * The last few status changes of each user, so a client that lost its connection can resume after
 * the last event it saw. Memory is bounded by `users × eventsPerUser` events, whatever the traffic.
 *
 * Each gateway instance keeps its own: every instance consumes every change (its own consumer
 * group), in the order of the user's partition, so all instances hold the same recent history
 * for a user, except what happened before an instance started. A client may therefore resume on
 * any instance; one that started after the client's last event answers "resync".
 */
export class OrderUpdateReplayBuffer {
  /** Insertion order is recency: a user is moved to the end on each change, evicted from the front. */
  private readonly byUser = new Map<string, eventsV1.OrderStatusChanged[]>();

  constructor(private readonly limits: ReplayBufferLimits) {
    if (!Number.isInteger(limits.eventsPerUser) || limits.eventsPerUser < 1 || !Number.isInteger(limits.users) || limits.users < 1) {
      throw new Error('OrderUpdateReplayBuffer: eventsPerUser and users must be positive integers');
    }
  }

  /**
   * Keeps a change. False when the event is already here: Kafka delivers at least once (an outbox
   * relay may publish an event twice), and a client must not see one change twice.
   */
  append(event: eventsV1.OrderStatusChanged): boolean {
    const events = this.byUser.get(event.userId) ?? [];
    if (events.some((kept) => kept.eventId === event.eventId)) return false;
    events.push(event);
    if (events.length > this.limits.eventsPerUser) events.shift();
    this.byUser.delete(event.userId);
    this.byUser.set(event.userId, events);
    if (this.byUser.size > this.limits.users) {
      const leastRecent = this.byUser.keys().next().value;
      if (leastRecent !== undefined) this.byUser.delete(leastRecent);
    }
    return true;
  }

  /**
   * The user's changes after `eventId`, oldest first; empty when it is the latest. Undefined when
   * the id is not here (too old, forgotten, before this instance started, or another user's):
   * the client cannot be told what it missed and must reload over HTTP.
   */
  after(userId: string, eventId: string): eventsV1.OrderStatusChanged[] | undefined {
    const events = this.byUser.get(userId) ?? [];
    const index = events.findIndex((event) => event.eventId === eventId);
    return index === -1 ? undefined : events.slice(index + 1);
  }

  /** Users with kept changes (for the metrics and the tests of the bound). */
  get userCount(): number {
    return this.byUser.size;
  }
}
