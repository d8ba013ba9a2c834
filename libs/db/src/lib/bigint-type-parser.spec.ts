import { databaseTypeParsers, parseSafeInteger } from './bigint-type-parser';

describe('parseSafeInteger', () => {
  it('reads int8 text as a number', () => {
    expect(parseSafeInteger('0')).toBe(0);
    expect(parseSafeInteger('42')).toBe(42);
    expect(parseSafeInteger('-17')).toBe(-17);
    expect(parseSafeInteger(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseSafeInteger(String(Number.MIN_SAFE_INTEGER))).toBe(Number.MIN_SAFE_INTEGER);
  });

  it('throws rather than round a value past 2^53', () => {
    expect(() => parseSafeInteger('9007199254740992')).toThrow(RangeError);
    expect(() => parseSafeInteger('-9007199254740992')).toThrow(RangeError);
    expect(() => parseSafeInteger('9223372036854775807')).toThrow(/MAX_SAFE_INTEGER/);
  });
});

describe('databaseTypeParsers', () => {
  const INT8 = 20;
  const NUMERIC = 1700;
  const INT4 = 23;

  it('parses int8 with the safe parser and leaves other types to pg', () => {
    expect(databaseTypeParsers.getTypeParser(INT8, 'text')).toBe(parseSafeInteger);
    expect(databaseTypeParsers.getTypeParser(NUMERIC, 'text')('12345678901234567890.5')).toBe('12345678901234567890.5');
    expect(databaseTypeParsers.getTypeParser(INT4, 'text')('7')).toBe(7);
  });
});
