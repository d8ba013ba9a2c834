/** Injection tokens for the infrastructure clients user-service's module creates. */
export const DATABASE = Symbol('UserDatabase');
export const CACHE = Symbol('UserCache');
export const ORDER_EVENTS_CONSUMER = Symbol('OrderEventsConsumer');
export const USER_LOGGER = Symbol('UserLogger');
export const INBOX = Symbol('UserInbox');
export const PASSWORD_HASHER = Symbol('PasswordHasher');
export const USER_MODULE_SETTINGS = Symbol('UserModuleSettings');

/** The rules of user-service that come from configuration. */
export interface UserModuleSettings {
  /** Users who sign in with one of these emails (any case) get the admin role. */
  adminEmails: readonly string[];
}
