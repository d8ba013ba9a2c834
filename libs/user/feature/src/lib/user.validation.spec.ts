import { ValidationError } from '@workshop/errors';
import { MAX_BATCH_IDS, validateCreateUser, validateUpdateUser, validateUserId, validateUserIds } from './user.validation';

describe('user validation', () => {
  const id = '6B0C3D2E-1F4A-4B5C-8D9E-0A1B2C3D4E5F';

  it('accepts an update of one field or both, trimmed, with the id normalized', () => {
    expect(validateUpdateUser({ id, name: ' Ada ' })).toEqual({ id: id.toLowerCase(), name: 'Ada' });
    expect(validateUpdateUser({ id, email: 'a@b.co', name: 'A' })).toEqual({ id: id.toLowerCase(), email: 'a@b.co', name: 'A' });
  });

  it('refuses an update that changes nothing, and names every bad field', () => {
    expect(() => validateUpdateUser({ id })).toThrow(ValidationError);
    expect(() => validateUpdateUser({ id: 'nope', email: 'x', name: '' })).toThrow(
      expect.objectContaining({
        violations: [
          expect.objectContaining({ field: 'id' }),
          expect.objectContaining({ field: 'email' }),
          expect.objectContaining({ field: 'name' }),
        ],
      }),
    );
  });

  it('trims a valid request', () => {
    expect(validateCreateUser({ email: '  ada@example.com ', name: ' Ada ', password: ' twelve chars ' })).toEqual({
      email: 'ada@example.com',
      name: 'Ada',
      password: ' twelve chars ',
    });
  });

  it('reports every bad field', () => {
    expect(() => validateCreateUser({ email: 'no-at-sign', name: '   ', password: 'short' })).toThrow(
      expect.objectContaining({
        violations: [
          expect.objectContaining({ field: 'email' }),
          expect.objectContaining({ field: 'name' }),
          expect.objectContaining({ field: 'password' }),
        ],
      }),
    );
  });

  it('never repeats the password in its messages', () => {
    expect(() => validateCreateUser({ email: 'ada@example.com', name: 'Ada', password: 'hunter2' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('accepts UUIDs in any case and normalizes them, and nothing else', () => {
    expect(validateUserId('6F1C9B9E-8F1D-4C59-A2F4-0D6F3C1B2A10')).toBe('6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10');
    expect(() => validateUserId("1' OR '1'='1")).toThrow(ValidationError);
  });

  it('normalizes a batch of ids and drops duplicates', () => {
    const id = '6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10';

    expect(validateUserIds([id.toUpperCase(), id])).toEqual([id]);
  });

  it('names each bad id of a batch by its position, and rejects an oversized batch', () => {
    expect(() => validateUserIds(['6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10', 'nope'])).toThrow(
      expect.objectContaining({ violations: [{ field: 'ids[1]', message: 'must be a UUID' }] }),
    );
    expect(() => validateUserIds(Array.from({ length: MAX_BATCH_IDS + 1 }, () => '6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10'))).toThrow(
      expect.objectContaining({ violations: [expect.objectContaining({ field: 'ids' })] }),
    );
  });
});
