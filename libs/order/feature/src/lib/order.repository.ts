import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ORDER_CANCELLED_TOPIC, ORDER_PLACED_TOPIC, ORDER_STATUS_CHANGED_TOPIC, type eventsV1, orderV1 } from '@workshop/contracts';
import { type DatabaseRouter, type SqlExecutor, type TransactionExecutor } from '@workshop/db';
import { enqueueOutboxEvent } from '@workshop/messaging';
import type { KeysetPosition } from '@workshop/pagination';
import { ORDER_SCHEMA } from './order.migrations';
import { DATABASE } from './order.tokens';

interface OrderRow {
  id: string;
  user_id: string;
  status: StoredStatus;
  status_reason: string | null;
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

type StoredStatus = 'PLACED' | 'CONFIRMED' | 'REJECTED' | 'CANCELLED';
type StoredStep = 'PLACED' | 'CREDIT_RESERVED' | 'CREDIT_REJECTED' | 'CANCELLED' | 'CREDIT_RELEASED';

interface HistoryRow {
  step: StoredStep;
  status: StoredStatus;
  detail: string;
  occurred_at: Date;
}

/** An order as stored: unlike the message type, its creation time is always known. */
export type PlacedOrder = orderV1.Order & { createdAt: Date };

/** The credit decision that settles a PLACED order, from user-service (a credit event, or ReserveCredit). */
export type CreditOutcome = { reserved: true } | { reserved: false; reason: string };

/** What a cancellation did: the order as it is now, or why it could not be cancelled. */
export type CancelOutcome = { cancelled: true; order: PlacedOrder } | { cancelled: false; order: PlacedOrder; reason: 'rejected' };

const ORDER_COLUMNS = 'id, user_id, status, status_reason, lines, total_minor, currency_code, created_at';

/** The reads the repository runs; named so the query-plan tool explains exactly these. */
export const ORDER_SQL = {
  findById: `SELECT ${ORDER_COLUMNS} FROM orders.orders WHERE id = $1`,
  firstPageByUser: `SELECT ${ORDER_COLUMNS} FROM orders.orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
  pageByUserAfter: `SELECT ${ORDER_COLUMNS} FROM orders.orders
      WHERE user_id = $1 AND (created_at, id) < ($2, $3)
      ORDER BY created_at DESC, id DESC LIMIT $4`,
  history: `SELECT step, status, detail, occurred_at FROM orders.order_history WHERE order_id = $1 ORDER BY occurred_at, id`,
} as const;

/**
 * Every SQL statement order-service runs, and which server each one goes to. Every status change
 * goes through `changeStatus`, which writes the new status, the history entry and the
 * order.status-changed event in the caller's transaction: the three never disagree.
 */
@Injectable()
export class OrderRepository {
  constructor(@Inject(DATABASE) private readonly db: DatabaseRouter) {}

  /**
   * Writes the order, its history and its events in one transaction (the transactional outbox):
   * either all exist or none does, so an order is never placed without its events being published
   * eventually, and no event is published for an order that was rolled back. `credit` is the
   * decision when it was taken before the order was written (ORDER_PROCESSING_MODE=sync); without
   * it the order stays PLACED until the saga's credit event arrives.
   */
  async insertWithEvent(
    order: {
      id: string;
      userId: string;
      lines: orderV1.OrderLine[];
      currencyCode: string;
      totalMinor: number;
      eventId: string;
    },
    credit?: CreditOutcome,
  ): Promise<PlacedOrder> {
    return this.db.transaction(async (tx) => {
      const storedLines: StoredOrderLine[] = order.lines.map((line) => ({
        sku: line.sku,
        quantity: line.quantity,
        unitPriceMinor: line.unitPrice?.amountMinor ?? 0,
      }));
      const inserted = await tx.query<OrderRow>(
        `INSERT INTO orders.orders (id, user_id, status, lines, total_minor, currency_code)
         VALUES ($1, $2, 'PLACED', $3, $4, $5) RETURNING ${ORDER_COLUMNS}`,
        [order.id, order.userId, JSON.stringify(storedLines), order.totalMinor, order.currencyCode],
      );
      const row = inserted.rows[0];
      if (row === undefined) throw new Error('INSERT ... RETURNING returned no row');
      let placed = toOrder(row);
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
      await recordStep(tx, row, 'PLACED', '', placed.createdAt);
      await enqueueStatusChanged(tx, row, undefined, placed.createdAt);
      if (credit !== undefined) placed = (await this.settleWithCredit(tx, row, credit, new Date())) ?? placed;
      return placed;
    });
  }

  /**
   * Applies the credit decision to a PLACED order: CONFIRMED or REJECTED. An order cancelled
   * before the decision arrived stays CANCELLED (the decision is still recorded in its history;
   * user-service releases the credit when it sees the cancellation). Returns false for an
   * unknown order.
   */
  async applyCreditDecision(tx: TransactionExecutor, orderId: string, credit: CreditOutcome, decidedAt: Date): Promise<boolean> {
    const row = await lockOrder(tx, orderId);
    if (row === undefined) return false;
    await this.settleWithCredit(tx, row, credit, decidedAt);
    return true;
  }

  /** Records that user-service gave a cancelled order's credit back: the saga's last step. False for an unknown order. */
  async recordCreditReleased(tx: TransactionExecutor, orderId: string, releasedAt: Date): Promise<boolean> {
    const row = await lockOrder(tx, orderId);
    if (row === undefined) return false;
    await recordStep(tx, row, 'CREDIT_RELEASED', '', releasedAt);
    return true;
  }

  /**
   * Cancels a PLACED or CONFIRMED order and publishes order.cancelled, on which user-service
   * releases its credit. Cancelling a CANCELLED order changes nothing; a REJECTED one cannot be.
   * Returns undefined for an unknown id.
   */
  async cancel(orderId: string): Promise<CancelOutcome | undefined> {
    return this.db.transaction(async (tx) => {
      const row = await lockOrder(tx, orderId);
      if (row === undefined) return undefined;
      if (row.status === 'REJECTED') return { cancelled: false, order: toOrder(row), reason: 'rejected' };
      if (row.status === 'CANCELLED') return { cancelled: true, order: toOrder(row) };
      const cancelledAt = new Date();
      const payload: eventsV1.OrderCancelled = { eventId: randomUUID(), orderId, userId: row.user_id, cancelledAt };
      await enqueueOutboxEvent(tx, ORDER_SCHEMA, { id: payload.eventId, topic: ORDER_CANCELLED_TOPIC, key: row.user_id, payload });
      return { cancelled: true, order: await changeStatus(tx, row, { status: 'CANCELLED', step: 'CANCELLED', reason: null }, cancelledAt) };
    });
  }

  /** The order's history, oldest step first; from the primary, like the order's status. */
  async history(orderId: string): Promise<orderV1.OrderHistoryEntry[]> {
    const result = await this.db.read<HistoryRow>(ORDER_SQL.history, [orderId], { consistency: 'strong' });
    return result.rows.map((row) => ({
      step: STEP_TO_PROTO[row.step],
      status: STATUS_TO_PROTO[row.status],
      detail: row.detail,
      occurredAt: row.occurred_at,
    }));
  }

  private async settleWithCredit(
    tx: TransactionExecutor,
    row: OrderRow,
    credit: CreditOutcome,
    decidedAt: Date,
  ): Promise<PlacedOrder | undefined> {
    const step: StoredStep = credit.reserved ? 'CREDIT_RESERVED' : 'CREDIT_REJECTED';
    const reason = credit.reserved ? null : credit.reason;
    if (row.status !== 'PLACED') {
      await recordStep(tx, row, step, reason ?? '', decidedAt);
      return undefined;
    }
    return changeStatus(tx, row, { status: credit.reserved ? 'CONFIRMED' : 'REJECTED', step, reason }, decidedAt);
  }

  /**
   * One order, from the primary. An order's status changes in the background (the saga), moments
   * after someone may have read it: a replica that has not replayed the change yet would answer
   * with the old status, and GetOrder would cache that answer for its whole TTL. So GetOrder's
   * cache takes the read load, and what it caches comes from the primary.
   */
  async findById(id: string): Promise<PlacedOrder | undefined> {
    const row = (await this.db.read<OrderRow>(ORDER_SQL.findById, [id], { consistency: 'strong' })).rows[0];
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

/** Locks the order's row for the rest of the transaction: status changes of one order queue up. */
async function lockOrder(tx: SqlExecutor, orderId: string): Promise<OrderRow | undefined> {
  return (await tx.query<OrderRow>(`${ORDER_SQL.findById} FOR UPDATE`, [orderId])).rows[0];
}

async function changeStatus(
  tx: TransactionExecutor,
  row: OrderRow,
  change: { status: StoredStatus; step: StoredStep; reason: string | null },
  occurredAt: Date,
): Promise<PlacedOrder> {
  const updated = await tx.query<OrderRow>(
    `UPDATE orders.orders SET status = $2, status_reason = $3 WHERE id = $1 RETURNING ${ORDER_COLUMNS}`,
    [row.id, change.status, change.reason],
  );
  const after = updated.rows[0];
  if (after === undefined) throw new Error(`order ${row.id} vanished inside its own transaction`);
  await recordStep(tx, after, change.step, change.reason ?? '', occurredAt);
  await enqueueStatusChanged(tx, after, row.status, occurredAt);
  return toOrder(after);
}

async function recordStep(tx: SqlExecutor, order: OrderRow, step: StoredStep, detail: string, occurredAt: Date): Promise<void> {
  await tx.query('INSERT INTO orders.order_history (order_id, step, status, detail, occurred_at) VALUES ($1, $2, $3, $4, $5)', [
    order.id,
    step,
    order.status,
    detail,
    occurredAt,
  ]);
}

/** order.status-changed, what the gateway pushes to WebSocket clients; keyed by user id like every order event. */
async function enqueueStatusChanged(
  tx: TransactionExecutor,
  order: OrderRow,
  previous: StoredStatus | undefined,
  occurredAt: Date,
): Promise<void> {
  const payload: eventsV1.OrderStatusChanged = {
    eventId: randomUUID(),
    orderId: order.id,
    userId: order.user_id,
    status: STATUS_TO_PROTO[order.status],
    previousStatus: previous === undefined ? orderV1.OrderStatus.ORDER_STATUS_UNSPECIFIED : STATUS_TO_PROTO[previous],
    reason: order.status_reason ?? '',
    occurredAt,
    total: { amountMinor: order.total_minor, currencyCode: order.currency_code },
  };
  await enqueueOutboxEvent(tx, ORDER_SCHEMA, { id: payload.eventId, topic: ORDER_STATUS_CHANGED_TOPIC, key: order.user_id, payload });
}

const STATUS_TO_PROTO: Record<StoredStatus, orderV1.OrderStatus> = {
  PLACED: orderV1.OrderStatus.ORDER_STATUS_PLACED,
  CONFIRMED: orderV1.OrderStatus.ORDER_STATUS_CONFIRMED,
  REJECTED: orderV1.OrderStatus.ORDER_STATUS_REJECTED,
  CANCELLED: orderV1.OrderStatus.ORDER_STATUS_CANCELLED,
};

const STEP_TO_PROTO: Record<StoredStep, orderV1.OrderStep> = {
  PLACED: orderV1.OrderStep.ORDER_STEP_PLACED,
  CREDIT_RESERVED: orderV1.OrderStep.ORDER_STEP_CREDIT_RESERVED,
  CREDIT_REJECTED: orderV1.OrderStep.ORDER_STEP_CREDIT_REJECTED,
  CANCELLED: orderV1.OrderStep.ORDER_STEP_CANCELLED,
  CREDIT_RELEASED: orderV1.OrderStep.ORDER_STEP_CREDIT_RELEASED,
};

function toOrder(row: OrderRow): PlacedOrder {
  return {
    id: row.id,
    userId: row.user_id,
    status: STATUS_TO_PROTO[row.status],
    statusReason: row.status_reason ?? '',
    lines: row.lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: { amountMinor: line.unitPriceMinor, currencyCode: row.currency_code },
    })),
    total: { amountMinor: row.total_minor, currencyCode: row.currency_code },
    createdAt: row.created_at,
  };
}
