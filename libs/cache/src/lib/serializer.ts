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
 */
export function jsonSerializerWithDates<T>(...dateFields: string[]): Serializer<T> {
  const isDateField = new Set(dateFields);
  return {
    serialize: (value) => JSON.stringify(value),
    deserialize: (text) =>
      JSON.parse(text, (key, value: unknown) => (isDateField.has(key) && typeof value === 'string' ? new Date(value) : value)) as T,
  };
}
