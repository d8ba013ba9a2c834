import type { orderV1 } from '@workshop/contracts';
import { ValidationError, type FieldViolation } from '@workshop/errors';
import { type KeysetPosition, UUID, decodePageToken, resolvePageSize } from '@workshop/pagination';

export const MAX_LINES = 100;
export const MAX_QUANTITY = 10_000;
/** 10 million in major units per line: far beyond any real basket, far below 2^53 minor units. */
export const MAX_UNIT_PRICE_MINOR = 1_000_000_000;
const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CURRENCY = /^[A-Z]{3}$/;

export interface ValidOrder {
  userId: string;
  lines: orderV1.OrderLine[];
  currencyCode: string;
  totalMinor: number;
}

/**
 * Checks a PlaceOrder request and computes its total. An order has one currency: amounts in
 * different currencies cannot be added without an exchange rate, which this system does not have.
 */
export function validatePlaceOrder(request: orderV1.PlaceOrderRequest): ValidOrder {
  const violations: FieldViolation[] = [];
  if (!UUID.test(request.userId)) violations.push({ field: 'userId', message: 'must be a UUID' });
  if (request.lines.length === 0 || request.lines.length > MAX_LINES) {
    violations.push({ field: 'lines', message: `must have 1 to ${MAX_LINES} lines` });
  }
  request.lines.slice(0, MAX_LINES).forEach((line, index) => {
    const at = `lines[${index}]`;
    if (!SKU.test(line.sku))
      violations.push({ field: `${at}.sku`, message: 'must be 1 to 64 letters, digits, dots, dashes or underscores' });
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY) {
      violations.push({ field: `${at}.quantity`, message: `must be between 1 and ${MAX_QUANTITY}` });
    }
    const price = line.unitPrice;
    if (price === undefined || !Number.isInteger(price.amountMinor) || price.amountMinor < 0 || price.amountMinor > MAX_UNIT_PRICE_MINOR) {
      violations.push({ field: `${at}.unitPrice.amountMinor`, message: `must be between 0 and ${MAX_UNIT_PRICE_MINOR}` });
    }
    if (price === undefined || !CURRENCY.test(price.currencyCode)) {
      violations.push({ field: `${at}.unitPrice.currencyCode`, message: 'must be an ISO 4217 code such as EUR' });
    }
  });
  const lines = request.lines.flatMap((line) => (line.unitPrice === undefined ? [] : [{ ...line, unitPrice: line.unitPrice }]));
  const currencyCode = lines[0]?.unitPrice.currencyCode;
  if (violations.length === 0 && lines.some((line) => line.unitPrice.currencyCode !== currencyCode)) {
    violations.push({ field: 'lines', message: 'must all be priced in the same currency' });
  }
  if (violations.length > 0 || currencyCode === undefined) throw new ValidationError(violations);

  return {
    userId: request.userId.toLowerCase(),
    lines: lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPrice: line.unitPrice })),
    currencyCode,
    totalMinor: lines.reduce((sum, line) => sum + line.quantity * line.unitPrice.amountMinor, 0),
  };
}

export function validateOrderId(id: string, field = 'id'): string {
  if (!UUID.test(id)) throw new ValidationError([{ field, message: 'must be a UUID' }]);
  return id.toLowerCase();
}

/** The most pages one BatchListOrdersByUser call may ask for: the bound on one query's size. */
export const MAX_BATCH_REQUESTS = 100;

/** One page of one user's orders, as the repository reads it. */
export interface OrderPageRequest {
  userId: string;
  pageSize: number;
  after: KeysetPosition | undefined;
}

/** Checks every request of a batch, naming a bad field by its position (`requests[2].pageToken`). */
export function validateOrderPageRequests(requests: readonly orderV1.ListOrdersByUserRequest[]): OrderPageRequest[] {
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw new ValidationError([{ field: 'requests', message: `must have at most ${MAX_BATCH_REQUESTS} requests` }]);
  }
  const violations: FieldViolation[] = [];
  const pages = requests.map((request, index) => {
    const at = `requests[${index}]`;
    try {
      return {
        userId: validateOrderId(request.userId, `${at}.userId`),
        pageSize: resolvePageSize(request.pageSize, `${at}.pageSize`),
        after: decodePageToken(request.pageToken, `${at}.pageToken`),
      };
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      violations.push(...error.violations);
      return undefined;
    }
  });
  if (violations.length > 0) throw new ValidationError(violations);
  return pages.filter((page): page is OrderPageRequest => page !== undefined);
}
