import { Inject, Injectable } from '@nestjs/common';
import { type DatabaseRouter, type SqlExecutor } from '@workshop/db';
import { DATABASE } from './user.tokens';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
}

export interface OrderStatisticsRow {
  currency_code: string;
  orders_count: number;
  total_spent_minor: number;
  last_order_at: Date;
}

export interface UserPagePosition {
  createdAt: Date;
  id: string;
}

const UNIQUE_VIOLATION = '23505';

/** Every SQL statement user-service runs, and which server each one goes to. */
@Injectable()
export class UserRepository {
  constructor(@Inject(DATABASE) private readonly db: DatabaseRouter) {}

  /** Inserts a user on the primary; returns undefined when the email is already taken. */
  async insert(user: { id: string; email: string; name: string }): Promise<UserRow | undefined> {
    try {
      const result = await this.db.query<UserRow>(
        'INSERT INTO users.users (id, email, name) VALUES ($1, $2, $3) RETURNING id, email, name, created_at',
        [user.id, user.email, user.name],
      );
      return result.rows[0];
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  /**
   * Finds a user on a replica. A user created a moment ago may not have reached the replica yet,
   * so a miss there is confirmed on the primary before it becomes NOT_FOUND.
   */
  async findById(id: string): Promise<UserRow | undefined> {
    const sql = 'SELECT id, email, name, created_at FROM users.users WHERE id = $1';
    const fromReplica = await this.db.read<UserRow>(sql, [id]);
    if (fromReplica.rows[0] !== undefined) return fromReplica.rows[0];
    const fromPrimary = await this.db.query<UserRow>(sql, [id]);
    return fromPrimary.rows[0];
  }

  async findOrderStatistics(userId: string): Promise<OrderStatisticsRow[]> {
    const result = await this.db.read<OrderStatisticsRow>(
      `SELECT currency_code, orders_count, total_spent_minor, last_order_at
         FROM users.order_statistics WHERE user_id = $1 ORDER BY currency_code`,
      [userId],
    );
    return result.rows;
  }

  /** One page of users, oldest first, strictly after `after` (keyset pagination: no OFFSET scans). */
  async listPage(limit: number, after: UserPagePosition | undefined): Promise<UserRow[]> {
    const result = after
      ? await this.db.read<UserRow>(
          `SELECT id, email, name, created_at FROM users.users
            WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`,
          [after.createdAt, after.id, limit],
        )
      : await this.db.read<UserRow>('SELECT id, email, name, created_at FROM users.users ORDER BY created_at, id LIMIT $1', [limit]);
    return result.rows;
  }

  /**
   * Adds one order to the user's statistics, inside the caller's transaction: the inbox's, which
   * records the event in the same transaction so a redelivered event changes nothing.
   */
  async applyOrderPlaced(
    tx: SqlExecutor,
    order: { userId: string; currencyCode: string; amountMinor: number; placedAt: Date },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO users.order_statistics (user_id, currency_code, orders_count, total_spent_minor, last_order_at)
       VALUES ($1, $2, 1, $3, $4)
       ON CONFLICT (user_id, currency_code) DO UPDATE SET
         orders_count = order_statistics.orders_count + 1,
         total_spent_minor = order_statistics.total_spent_minor + EXCLUDED.total_spent_minor,
         last_order_at = GREATEST(order_statistics.last_order_at, EXCLUDED.last_order_at)`,
      [order.userId, order.currencyCode, order.amountMinor, order.placedAt],
    );
  }
}
