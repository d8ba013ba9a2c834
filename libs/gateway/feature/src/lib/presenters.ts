import { orderV1, type moneyV1, type userV1 } from '@workshop/contracts';

/**
 * The HTTP API's JSON shapes. They are built from the gRPC messages here, in one place, so the
 * public API does not change by accident when a proto gains a field.
 */
export interface MoneyJson {
  amountMinor: number;
  currencyCode: string;
}

export interface UserJson {
  id: string;
  email: string;
  name: string;
  createdAt: string | null;
}

export interface UserWithStatisticsJson extends UserJson {
  orderStatistics: { ordersCount: number; totalSpent: MoneyJson[]; lastOrderAt: string | null };
}

export interface OrderJson {
  id: string;
  userId: string;
  status: string;
  lines: { sku: string; quantity: number; unitPrice: MoneyJson | null }[];
  total: MoneyJson | null;
  createdAt: string | null;
}

export function presentUser(user: userV1.User | undefined): UserJson {
  if (user === undefined) throw new Error('user-service answered without a user');
  return { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt?.toISOString() ?? null };
}

export function presentUserWithStatistics(response: userV1.GetUserResponse): UserWithStatisticsJson {
  const statistics = response.orderStatistics;
  return {
    ...presentUser(response.user),
    orderStatistics: {
      ordersCount: statistics?.ordersCount ?? 0,
      totalSpent: (statistics?.totalSpent ?? []).map(presentMoney),
      lastOrderAt: statistics?.lastOrderAt?.toISOString() ?? null,
    },
  };
}

export function presentOrder(order: orderV1.Order | undefined): OrderJson {
  if (order === undefined) throw new Error('order-service answered without an order');
  return {
    id: order.id,
    userId: order.userId,
    status: presentStatus(order.status),
    lines: order.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: line.unitPrice ? presentMoney(line.unitPrice) : null,
    })),
    total: order.total ? presentMoney(order.total) : null,
    createdAt: order.createdAt?.toISOString() ?? null,
  };
}

function presentMoney(money: moneyV1.Money): MoneyJson {
  return { amountMinor: money.amountMinor, currencyCode: money.currencyCode };
}

function presentStatus(status: orderV1.OrderStatus): string {
  switch (status) {
    case orderV1.OrderStatus.ORDER_STATUS_PLACED:
      return 'PLACED';
    case orderV1.OrderStatus.ORDER_STATUS_UNSPECIFIED:
      return 'UNSPECIFIED';
  }
}
