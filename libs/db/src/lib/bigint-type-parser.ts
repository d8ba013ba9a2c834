import { types, type CustomTypesConfig } from 'pg';

/** Postgres type oid of `int8` / `bigint` (also the type of `count(*)` and `sum(int)`). */
const INT8_OID = 20;

/**
 * Parses an int8 column into a JS number, and refuses values a number cannot hold exactly.
 *
 * pg's default returns int8 as a string, which leaks into every caller (`count === '3'`).
 * Numbers are what application code expects for ids and counts; a value past 2^53 would silently
 * round, so it throws instead: such a column needs a different representation, chosen on purpose.
 */
export function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(
      `bigint value ${text} is outside Number.MAX_SAFE_INTEGER; it cannot be read as a JS number without losing precision`,
    );
  }
  return value;
}

/**
 * The type parsers every connection of this lib uses: pg's defaults (NUMERIC stays a string,
 * because it is arbitrary precision) except for int8. Passed per connection rather than set with
 * the process-global `types.setTypeParser`, so importing this lib changes nothing for any other
 * pg user in the process.
 */
export const databaseTypeParsers: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseSafeInteger : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};
