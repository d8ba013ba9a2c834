import { ValidationError, type FieldViolation } from '@workshop/errors';
import { UUID } from '@workshop/pagination';
import type { userV1 } from '@workshop/contracts';

// Deliberately simple: one @, no spaces, a dot in the domain. Proving an address exists takes an email, not a regex.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 200;

/** Checks a CreateUser request and returns it normalized (trimmed), or throws with every bad field. */
export function validateCreateUser(request: userV1.CreateUserRequest): { email: string; name: string } {
  const email = request.email.trim();
  const name = request.name.trim();
  const violations = [...emailViolations(email), ...nameViolations(name)];
  if (violations.length > 0) throw new ValidationError(violations);
  return { email, name };
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
