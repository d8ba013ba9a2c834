import { ORDER_PLACED_TOPIC } from './topics';

describe('ORDER_PLACED_TOPIC', () => {
  it('round-trips an event through its protobuf encoding, keeping money exact and dates intact', () => {
    const event = {
      eventId: '6c0a3f4e-2a55-4f0e-9d1c-2b0f3b0a8d11',
      orderId: 'a3c1d2e4-0000-4000-8000-000000000001',
      userId: 'b7e2f1a0-0000-4000-8000-000000000002',
      total: { amountMinor: 1_999_999_999_99, currencyCode: 'EUR' },
      lineCount: 3,
      placedAt: new Date('2026-11-24T10:15:30.123Z'),
    };

    const decoded = ORDER_PLACED_TOPIC.decode(ORDER_PLACED_TOPIC.encode(event));

    expect(decoded).toEqual(event);
  });

  it('decodes bytes from an older producer that did not set a field to the proto3 default', () => {
    const decoded = ORDER_PLACED_TOPIC.decode(ORDER_PLACED_TOPIC.encode({ eventId: 'e', orderId: 'o', userId: 'u', lineCount: 0 }));

    expect(decoded.total).toBeUndefined();
    expect(decoded.lineCount).toBe(0);
  });
});
