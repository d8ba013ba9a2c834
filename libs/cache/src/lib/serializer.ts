/** Turns a cached value into the text stored in Redis and back. */
export interface Serializer<T> {
  serialize(value: T): string;
  deserialize(text: string): T;
}

/**
 * The default: JSON. Plain data round-trips; a `Date` comes back as its ISO string, a `Map` or
 * class instance as a plain object. Values like that need their own serializer.
 */
export const jsonSerializer: Serializer<unknown> = {
  serialize: (value) => JSON.stringify(value),
  deserialize: (text) => JSON.parse(text) as unknown,
};

/**
 * JSON that turns the named fields back into `Date`s, wherever they are nested: for values whose
 * dates are known by name (`createdAt`, `lastOrderAt`), the usual shape of rows and RPC answers.
 *
 * The dates are revived by a walk over the parsed value rather than by a `JSON.parse` reviver:
 * V8 calls a reviver for every key and value and leaves its fast parser for it, and on
 * user-service's cache-hit read that made this the largest function of its own (about 3% of its
 * CPU under the bench); plain parsing and a walk cost about a third as much, with the same result.
 */
export function jsonSerializerWithDates<T>(...dateFields: string[]): Serializer<T> {
  const isDateField = new Set(dateFields);
  return {
    serialize: (value) => JSON.stringify(value),
    deserialize: (text) => withDatesRevived(JSON.parse(text) as unknown, isDateField) as T,
  };
}

/** `value` (parsed JSON, so plain objects, arrays and primitives) with every string under a date field's key as a `Date`, in place. */
function withDatesRevived(value: unknown, isDateField: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) value[index] = withDatesRevived(value[index], isDateField);
  } else if (value !== null && typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      const field = fields[key];
      if (typeof field === 'string') {
        if (isDateField.has(key)) fields[key] = new Date(field);
      } else if (field !== null && typeof field === 'object') {
        withDatesRevived(field, isDateField);
      }
    }
  }
  return value;
}
