import { Inject, Injectable } from '@nestjs/common';
import { ORDER_PLACED_TOPIC, type eventsV1, orderV1 } from '@workshop/contracts';
import { type DatabaseRouter } from '@workshop/db';
import { enqueueOutboxEvent } from '@workshop/messaging';
import type { KeysetPosition } from '@workshop/pagination';
import { ORDER_SCHEMA } from './order.migrations';
import { DATABASE } from './order.tokens';

interface OrderRow {
  id: string;
  user_id: string;
  status: string;
  lines: StoredOrderLine[];
  total_minor: number;
  currency_code: string;
  created_at: Date;
}

/** A line as stored in the `lines` jsonb column. */
interface StoredOrderLine {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

/** An order as stored: unlike the message type, its creation time is always known. */
export type PlacedOrder = orderV1.Order & { createdAt: Date };

const ORDER_COLUMNS = 'id, user_id, status, lines, total_minor, currency_code, created_at';

/** The reads the repository runs; named so the query-plan tool explains exactly these. */
export const ORDER_SQL = {
  findById: `SELECT ${ORDER_COLUMNS} FROM orders.orders WHERE id = $1`,
  firstPageByUser: `SELECT ${ORDER_COLUMNS} FROM orders.orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
  pageByUserAfter: `SELECT ${ORDER_COLUMNS} FROM orders.orders
      WHERE user_id = $1 AND (created_at, id) < ($2, $3)
      ORDER BY created_at DESC, id DESC LIMIT $4`,
} as const;

/** Every SQL statement order-service runs, and which server each one goes to. */
@Injectable()
export class OrderRepository {
  constructor(@Inject(DATABASE) private readonly db: DatabaseRouter) {}

  /**
   * Writes the order and its order.placed event in one transaction (the transactional outbox):
   * either both exist or neither does, so an order is never placed without its event being
   * published eventually, and no event is published for an order that was rolled back.
   */
  async insertWithEvent(order: {
    id: string;
    userId: string;
    lines: orderV1.OrderLine[];
    currencyCode: string;
    totalMinor: number;
    eventId: string;
  }): Promise<PlacedOrder> {
    return this.db.transaction(async (tx) => {
      const storedLines: StoredOrderLine[] = order.lines.map((line) => ({
        sku: line.sku,
        quantity: line.quantity,
        unitPriceMinor: line.unitPrice?.amountMinor ?? 0,
      }));
      const inserted = await tx.query<OrderRow>(
        `INSERT INTO orders.orders (id, user_id, status, lines, total_minor, currency_code)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${ORDER_COLUMNS}`,
        [order.id, order.userId, 'PLACED', JSON.stringify(storedLines), order.totalMinor, order.currencyCode],
      );
      const row = inserted.rows[0];
      if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
      const placed = toOrder(row);
      const event: eventsV1.OrderPlaced = {
        eventId: order.eventId,
        orderId: placed.id,
        userId: placed.userId,
        total: placed.total,
        lineCount: placed.lines.length,
        placedAt: placed.createdAt,
      };
      // Keyed by user id: one user's events share a partition and keep their order.
      await enqueueOutboxEvent(tx, ORDER_SCHEMA, { id: order.eventId, topic: ORDER_PLACED_TOPIC, key: placed.userId, payload: event });
      return placed;
    });
  }

  /**
   * A session read (read-your-writes for a caller that sends its consistency token); a miss is
   * confirmed on the primary, since a caller without a token may ask for an order that has not
   * replicated yet.
   */
  async findById(id: string): Promise<PlacedOrder | undefined> {
    const row =
      (await this.db.read<OrderRow>(ORDER_SQL.findById, [id], { consistency: 'session' })).rows[0] ??
      (await this.db.read<OrderRow>(ORDER_SQL.findById, [id], { consistency: 'strong' })).rows[0];
    return row === undefined ? undefined : toOrder(row);
  }

  /** One page of a user's orders, newest first, strictly after `after`. */
  async listByUser(userId: string, limit: number, after: KeysetPosition | undefined): Promise<PlacedOrder[]> {
    const result = after
      ? await this.db.read<OrderRow>(ORDER_SQL.pageByUserAfter, [userId, after.createdAt, after.id, limit])
      : await this.db.read<OrderRow>(ORDER_SQL.firstPageByUser, [userId, limit]);
    return result.rows.map(toOrder);
  }

  /**
   * Several users' pages in one query: the requests become rows of `unnest(...)`, and a LATERAL
   * subquery runs listByUser's index range scan once per row, `limit` rows at most. The result
   * holds one list per request, in request order. A first page has no position: 'infinity' and
   * the largest UUID stand in for it, so one row comparison, which the (user_id, created_at DESC,
   * id DESC) index answers, serves first and later pages alike.
   */
  async listByUsers(pages: readonly { userId: string; limit: number; after: KeysetPosition | undefined }[]): Promise<PlacedOrder[][]> {
    if (pages.length === 0) return [];
    const result = await this.db.read<OrderRow & { page_index: string }>(
      `SELECT page.page_index, listed.*
         FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::uuid[])
              WITH ORDINALITY AS page(user_id, row_limit, after_created_at, after_id, page_index)
        CROSS JOIN LATERAL (
          SELECT ${ORDER_COLUMNS} FROM orders.orders
           WHERE orders.user_id = page.user_id
             AND (created_at, id) < (COALESCE(page.after_created_at, 'infinity'),
                                     COALESCE(page.after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
           ORDER BY created_at DESC, id DESC
           LIMIT page.row_limit
        ) AS listed
        ORDER BY page.page_index, listed.created_at DESC, listed.id DESC`,
      [
        pages.map((page) => page.userId),
        pages.map((page) => page.limit),
        pages.map((page) => page.after?.createdAt ?? null),
        pages.map((page) => page.after?.id ?? null),
      ],
    );
    const orders: PlacedOrder[][] = pages.map(() => []);
    // WITH ORDINALITY counts from 1; bigint arrives as a string.
    for (const row of result.rows) orders[Number(row.page_index) - 1]?.push(toOrder(row));
    return orders;
  }
}

function toOrder(row: OrderRow): PlacedOrder {
  return {
    id: row.id,
    userId: row.user_id,
    status: row.status === 'PLACED' ? orderV1.OrderStatus.ORDER_STATUS_PLACED : orderV1.OrderStatus.ORDER_STATUS_UNSPECIFIED,
    lines: row.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: { amountMinor: line.unitPriceMinor, currencyCode: row.currency_code },
    })),
    total: { amountMinor: row.total_minor, currencyCode: row.currency_code },
    createdAt: row.created_at,
  };
}
