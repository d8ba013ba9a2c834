/** Injection tokens for the clients order-service's module creates. */
export const DATABASE = Symbol('OrderDatabase');
export const CACHE = Symbol('OrderCache');
export const USER_SERVICE_CLIENT = Symbol('UserServiceClient');
export const ORDER_LOGGER = Symbol('OrderLogger');
export const ORDER_MODULE_OPTIONS = Symbol('OrderModuleOptions');
export const ORDER_SAGA_CONSUMER = Symbol('OrderSagaConsumer');
export const INBOX = Symbol('OrderInbox');
