import { jsonSerializer, jsonSerializerWithDates } from './serializer';

describe('jsonSerializerWithDates', () => {
  const serializer = jsonSerializerWithDates<unknown>('createdAt', 'lastOrderAt');

  it('turns the named fields back into Dates wherever they are nested, arrays included', () => {
    const value = {
      user: { id: 'u-1', createdAt: new Date('2026-11-24T12:00:00.000Z'), tags: ['createdAt'] },
      orderStatistics: { ordersCount: 2, totalSpent: [{ amountMinor: 10, currencyCode: 'EUR' }], lastOrderAt: null },
      history: [{ createdAt: new Date('2026-11-25T01:00:00.000Z'), note: 'first' }, [{ lastOrderAt: new Date(0) }]],
    };

    expect(serializer.deserialize(serializer.serialize(value))).toEqual(value);
  });

  it('reads exactly what a JSON.parse reviver on the same names reads', () => {
    const text = JSON.stringify({
      a: { createdAt: '2026-11-24T12:00:00.000Z', name: 'createdAt' },
      list: [{ lastOrderAt: '2026-11-25T00:00:00.000Z' }],
      n: 1,
    });
    const reviver = (key: string, value: unknown) =>
      (key === 'createdAt' || key === 'lastOrderAt') && typeof value === 'string' ? new Date(value) : value;

    expect(serializer.deserialize(text)).toEqual(JSON.parse(text, reviver));
  });

  it('leaves other fields and top-level primitives alone', () => {
    expect(serializer.deserialize('null')).toBeNull();
    expect(serializer.deserialize('"createdAt"')).toBe('createdAt');
    expect(serializer.deserialize(jsonSerializer.serialize({ updatedAt: '2026-11-24' }))).toEqual({ updatedAt: '2026-11-24' });
  });
});
