/** Injection tokens for the infrastructure clients user-service's module creates. */
export const DATABASE = Symbol('UserDatabase');
export const CACHE = Symbol('UserCache');
export const ORDER_EVENTS_CONSUMER = Symbol('OrderEventsConsumer');
export const CREDIT_EVENTS_CONSUMER = Symbol('CreditEventsConsumer');
export const USER_LOGGER = Symbol('UserLogger');
export const INBOX = Symbol('UserInbox');
export const PASSWORD_HASHER = Symbol('PasswordHasher');
export const USER_MODULE_SETTINGS = Symbol('UserModuleSettings');
export const USER_MODULE_OPTIONS = Symbol('UserModuleOptions');

/** The rules of user-service that come from configuration. */
export interface UserModuleSettings {
  /** Users who sign in with one of these emails (any case) get the admin role. */
  adminEmails: readonly string[];
  /** The credit limit of a new user, in minor units of each currency. */
  defaultCreditLimitMinor: number;
  /** Time the credit step spends waiting on a (simulated) slow dependency; see CreditService. */
  creditCheckDelayMs: number;
}
