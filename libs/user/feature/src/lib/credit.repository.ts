import { Injectable } from '@nestjs/common';
import { type moneyV1 } from '@workshop/contracts';
import { type SqlExecutor } from '@workshop/db';

/** The credit decision for one order. `firstTime` is false when the order had been decided before. */
export type CreditDecision =
  | { outcome: 'reserved'; firstTime: boolean }
  | { outcome: 'rejected'; reason: string; firstTime: boolean }
  /** The order was cancelled: its credit is released, or was never reserved. */
  | { outcome: 'released'; firstTime: false };

interface ReservationRow {
  status: 'RESERVED' | 'REJECTED' | 'RELEASED';
  reason: string | null;
}

/**
 * The credit step of the order saga, in SQL. Every method runs inside the caller's transaction
 * (the inbox's, or the one behind ReserveCredit), on the primary: a credit decision is a write.
 */
@Injectable()
export class CreditRepository {
  /**
   * Decides an order's credit once: reserves its total if the user's reserved credit in that
   * currency plus the total stays within the user's limit, rejects it otherwise. The user's row is
   * locked first, so two orders of one user decided at once (two consumer instances, or the sync
   * path beside the async one) queue up instead of both fitting under the limit. Deciding an order
   * again returns the first decision.
   */
  async decide(tx: SqlExecutor, order: { orderId: string; userId: string; amount: moneyV1.Money }): Promise<CreditDecision> {
    const user = await tx.query<{ credit_limit_minor: number }>('SELECT credit_limit_minor FROM users.users WHERE id = $1 FOR UPDATE', [
      order.userId,
    ]);
    const earlier = await this.findDecision(tx, order.orderId);
    if (earlier !== undefined) return earlier;

    const limit = user.rows[0]?.credit_limit_minor;
    let reason: string | undefined;
    if (limit === undefined) {
      reason = `user ${order.userId} does not exist`;
    } else {
      const reserved = await tx.query<{ reserved_minor: number }>(
        `SELECT COALESCE(sum(amount_minor), 0)::bigint AS reserved_minor FROM users.credit_reservations
          WHERE user_id = $1 AND currency_code = $2 AND status = 'RESERVED'`,
        [order.userId, order.amount.currencyCode],
      );
      const available = limit - Number(reserved.rows[0]?.reserved_minor ?? 0);
      if (order.amount.amountMinor > available) {
        reason = `credit limit exceeded: ${order.amount.amountMinor} ${order.amount.currencyCode} ordered, ${available} available`;
      }
    }
    await tx.query(
      `INSERT INTO users.credit_reservations (order_id, user_id, status, currency_code, amount_minor, reason)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        order.orderId,
        order.userId,
        reason === undefined ? 'RESERVED' : 'REJECTED',
        order.amount.currencyCode,
        order.amount.amountMinor,
        reason ?? null,
      ],
    );
    return reason === undefined ? { outcome: 'reserved', firstTime: true } : { outcome: 'rejected', reason, firstTime: true };
  }

  /**
   * Gives a cancelled order's credit back. Returns true only when credit was reserved and is now
   * released; an order never decided gets a RELEASED row with no amount, so that its order.placed,
   * should it arrive later, reserves nothing.
   */
  async release(tx: SqlExecutor, order: { orderId: string; userId: string }): Promise<boolean> {
    const released = await tx.query(
      `UPDATE users.credit_reservations SET status = 'RELEASED', decided_at = now()
        WHERE order_id = $1 AND status = 'RESERVED'`,
      [order.orderId],
    );
    if ((released.rowCount ?? 0) > 0) return true;
    await tx.query(
      `INSERT INTO users.credit_reservations (order_id, user_id, status) VALUES ($1, $2, 'RELEASED')
       ON CONFLICT (order_id) DO NOTHING`,
      [order.orderId, order.userId],
    );
    return false;
  }

  private async findDecision(tx: SqlExecutor, orderId: string): Promise<CreditDecision | undefined> {
    const found = await tx.query<ReservationRow>('SELECT status, reason FROM users.credit_reservations WHERE order_id = $1', [orderId]);
    const row = found.rows[0];
    switch (row?.status) {
      case undefined:
        return undefined;
      case 'RESERVED':
        return { outcome: 'reserved', firstTime: false };
      case 'REJECTED':
        return { outcome: 'rejected', reason: row.reason ?? 'credit rejected', firstTime: false };
      case 'RELEASED':
        return { outcome: 'released', firstTime: false };
    }
  }
}
