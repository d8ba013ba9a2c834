import { ValidationError, type FieldViolation } from '@workshop/errors';
import { UUID } from '@workshop/pagination';
import type { userV1 } from '@workshop/contracts';

// Deliberately simple: one @, no spaces, a dot in the domain. Proving an address exists takes an email, not a regex.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;
/**
 * Length is what makes a password strong (NIST SP 800-63B): no composition rules, any characters.
 * The maximum only bounds the work one request can ask of the hasher.
 */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

/**
 * Checks a CreateUser request and returns it normalized (email and name trimmed; the password as
 * typed), or throws with every bad field. Messages never echo the password.
 */
export function validateCreateUser(request: userV1.CreateUserRequest): { email: string; name: string; password: string } {
  const email = request.email.trim();
  const name = request.name.trim();
  const { password } = request;
  const violations = [...emailViolations(email), ...nameViolations(name)];
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    violations.push({ field: 'password', message: `must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters` });
  }
  if (violations.length > 0) throw new ValidationError(violations);
  return { email, name, password };
}

/** The most ids one BatchGetUsers call may ask for: the bound on one query's size. */
export const MAX_BATCH_IDS = 100;

/** Checks every id of a batch, naming bad ones by position (`ids[3]`); returns them normalized, without duplicates. */
export function validateUserIds(ids: readonly string[]): string[] {
  if (ids.length > MAX_BATCH_IDS) throw new ValidationError([{ field: 'ids', message: `must have at most ${MAX_BATCH_IDS} ids` }]);
  const violations = ids.flatMap((id, index) => (UUID.test(id) ? [] : [{ field: `ids[${index}]`, message: 'must be a UUID' }]));
  if (violations.length > 0) throw new ValidationError(violations);
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** Checks an UpdateUser request: a valid id, at least one field, each given field valid. Returns it normalized. */
export function validateUpdateUser(request: userV1.UpdateUserRequest): { id: string; email?: string; name?: string } {
  const email = request.email?.trim();
  const name = request.name?.trim();
  const violations = [
    ...(UUID.test(request.id) ? [] : [{ field: 'id', message: 'must be a UUID' }]),
    ...(email === undefined ? [] : emailViolations(email)),
    ...(name === undefined ? [] : nameViolations(name)),
  ];
  if (email === undefined && name === undefined) violations.push({ field: 'email', message: 'give email, name, or both' });
  if (violations.length > 0) throw new ValidationError(violations);
  return { id: request.id.toLowerCase(), ...(email === undefined ? {} : { email }), ...(name === undefined ? {} : { name }) };
}

function emailViolations(email: string): FieldViolation[] {
  return !EMAIL.test(email) || email.length > MAX_EMAIL_LENGTH
    ? [{ field: 'email', message: `must be an email address of at most ${MAX_EMAIL_LENGTH} characters` }]
    : [];
}

function nameViolations(name: string): FieldViolation[] {
  return name.length === 0 || name.length > MAX_NAME_LENGTH
    ? [{ field: 'name', message: `must be 1 to ${MAX_NAME_LENGTH} characters` }]
    : [];
}

export function validateUserId(id: string, field = 'id'): string {
  if (!UUID.test(id)) throw new ValidationError([{ field, message: 'must be a UUID' }]);
  return id.toLowerCase();
}

const CURRENCY = /^[A-Z]{3}$/;

/** Checks a ReserveCredit request: both ids UUIDs, an amount in integer minor units and an ISO 4217 currency. */
export function validateReserveCredit(request: userV1.ReserveCreditRequest): {
  orderId: string;
  userId: string;
  amount: { amountMinor: number; currencyCode: string };
} {
  const violations: FieldViolation[] = [...uuidViolations(request.orderId, 'orderId'), ...uuidViolations(request.userId, 'userId')];
  const amount = request.amount;
  if (amount === undefined || !Number.isSafeInteger(amount.amountMinor) || amount.amountMinor < 0) {
    violations.push({ field: 'amount.amountMinor', message: 'must be a non-negative integer (minor units)' });
  }
  if (amount === undefined || !CURRENCY.test(amount.currencyCode)) {
    violations.push({ field: 'amount.currencyCode', message: 'must be an ISO 4217 code such as EUR' });
  }
  if (violations.length > 0 || amount === undefined) throw new ValidationError(violations);
  return { orderId: request.orderId.toLowerCase(), userId: request.userId.toLowerCase(), amount };
}

export function validateReleaseCredit(request: userV1.ReleaseCreditRequest): { orderId: string; userId: string } {
  const violations = [...uuidViolations(request.orderId, 'orderId'), ...uuidViolations(request.userId, 'userId')];
  if (violations.length > 0) throw new ValidationError(violations);
  return { orderId: request.orderId.toLowerCase(), userId: request.userId.toLowerCase() };
}

function uuidViolations(id: string, field: string): FieldViolation[] {
  return UUID.test(id) ? [] : [{ field, message: 'must be a UUID' }];
}
