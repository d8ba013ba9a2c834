/** Injection tokens for the infrastructure clients user-service's module creates. */
export const DATABASE = Symbol('UserDatabase');
export const CACHE = Symbol('UserCache');
export const ORDER_EVENTS_CONSUMER = Symbol('OrderEventsConsumer');
export const USER_LOGGER = Symbol('UserLogger');
export const INBOX = Symbol('UserInbox');
