// Generated from proto/ by `nx run contracts:generate`; see the README's "Contracts" section.
export * as userV1 from './generated/user/v1/user';
export * as orderV1 from './generated/order/v1/order';
export * as eventsV1 from './lib/events';
export * as moneyV1 from './generated/money/v1/money';
export * from './lib/grpc-packages';
export * from './lib/topics';
