// Every event message of package events.v1, whichever .proto file declares it.
export * from '../generated/events/v1/order_events';
export * from '../generated/events/v1/credit_events';
