import { ValidationError } from '@workshop/errors';
import { validateCreateUser, validateUpdateUser, validateUserId } from './user.validation';

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
    expect(validateCreateUser({ email: '  ada@example.com ', name: ' Ada ' })).toEqual({ email: 'ada@example.com', name: 'Ada' });
  });

  it('reports every bad field', () => {
    expect(() => validateCreateUser({ email: 'no-at-sign', name: '   ' })).toThrow(
      expect.objectContaining({ violations: [expect.objectContaining({ field: 'email' }), expect.objectContaining({ field: 'name' })] }),
    );
  });

  it('accepts UUIDs in any case and normalizes them, and nothing else', () => {
    expect(validateUserId('6F1C9B9E-8F1D-4C59-A2F4-0D6F3C1B2A10')).toBe('6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10');
    expect(() => validateUserId("1' OR '1'='1")).toThrow(ValidationError);
  });
});
