import { ValidationError } from '@workshop/errors';
import { validatePlaceOrder } from './order.validation';

const userId = '6f1c9b9e-8f1d-4c59-a2f4-0d6f3c1b2a10';
const line = (sku: string, quantity: number, amountMinor: number, currencyCode = 'EUR') => ({
  sku,
  quantity,
  unitPrice: { amountMinor, currencyCode },
});

function violationsOf(request: Parameters<typeof validatePlaceOrder>[0]): string[] {
  try {
    validatePlaceOrder(request);
  } catch (error) {
    if (error instanceof ValidationError) return error.violations.map((violation) => violation.field);
    throw error;
  }
  return [];
}

describe('validatePlaceOrder', () => {
  it('totals the lines in integer minor units', () => {
    const order = validatePlaceOrder({ userId, lines: [line('A', 3, 1999), line('B', 1, 1)] });

    expect(order).toMatchObject({ userId, currencyCode: 'EUR', totalMinor: 5998 });
  });

  it('names every invalid field at once', () => {
    expect(violationsOf({ userId: 'nope', lines: [line('', 0, -1, 'eur')] })).toEqual([
      'userId',
      'lines[0].sku',
      'lines[0].quantity',
      'lines[0].unitPrice.amountMinor',
      'lines[0].unitPrice.currencyCode',
    ]);
  });

  it('rejects an order without lines, with a line without price, and with mixed currencies', () => {
    expect(violationsOf({ userId, lines: [] })).toEqual(['lines']);
    expect(violationsOf({ userId, lines: [{ sku: 'A', quantity: 1 }] })).toEqual([
      'lines[0].unitPrice.amountMinor',
      'lines[0].unitPrice.currencyCode',
    ]);
    expect(violationsOf({ userId, lines: [line('A', 1, 1, 'EUR'), line('B', 1, 1, 'USD')] })).toEqual(['lines']);
  });

  it('rejects fractional and unsafe amounts', () => {
    expect(violationsOf({ userId, lines: [line('A', 1, 0.5)] })).toEqual(['lines[0].unitPrice.amountMinor']);
    expect(violationsOf({ userId, lines: [line('A', 1, Number.MAX_SAFE_INTEGER)] })).toEqual(['lines[0].unitPrice.amountMinor']);
  });
});
