/**
 * The broker refused a publish because its records are larger than it accepts (the topic's
 * `max.message.bytes`, 1 MB by default): one event is, or one partition's share of the call is.
 * Retrying the same call cannot succeed; a smaller call can, unless a single event is the cause.
 * `OutboxRelay` answers it by publishing the batch in halves (see its `publishInHalves`).
 */
export class EventsTooLargeError extends Error {
  constructor(
    /** Events in the refused call. */
    readonly eventCount: number,
    options?: { cause?: unknown },
  ) {
    super(`Kafka refused ${eventCount === 1 ? 'an event' : `a call of ${eventCount} events`} as too large`, options);
    this.name = 'EventsTooLargeError';
  }
}
