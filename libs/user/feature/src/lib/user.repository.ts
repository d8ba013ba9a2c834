import { Inject, Injectable } from '@nestjs/common';
import { type DatabaseRouter, type SqlExecutor } from '@workshop/db';
import { DATABASE } from './user.tokens';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  credit_limit_minor: number;
}

/** A user with the hash of their password: only credential checks ever load it. */
export interface UserCredentialsRow extends UserRow {
  password_hash: string | null;
}

export interface OrderStatisticsRow {
  user_id: string;
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

const USER_COLUMNS = 'id, email, name, created_at, credit_limit_minor';

/** The statements the repository runs; named so the query-plan tool explains exactly these. */
export const USER_SQL = {
  findById: `SELECT ${USER_COLUMNS} FROM users.users WHERE id = $1`,
  orderStatistics: `SELECT user_id, currency_code, orders_count, total_spent_minor, last_order_at
      FROM users.order_statistics WHERE user_id = $1 ORDER BY currency_code`,
  orderStatisticsOfUsers: `SELECT user_id, currency_code, orders_count, total_spent_minor, last_order_at
      FROM users.order_statistics WHERE user_id = ANY($1::uuid[]) ORDER BY user_id, currency_code`,
  findByIds: `SELECT ${USER_COLUMNS} FROM users.users WHERE id = ANY($1::uuid[])`,
  firstPage: `SELECT ${USER_COLUMNS} FROM users.users ORDER BY created_at, id LIMIT $1`,
  pageAfter: `SELECT ${USER_COLUMNS} FROM users.users
      WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`,
  update: `UPDATE users.users SET email = COALESCE($2, email), name = COALESCE($3, name)
      WHERE id = $1 RETURNING ${USER_COLUMNS}`,
} as const;

/** Every SQL statement user-service runs, and which server each one goes to. */
@Injectable()
export class UserRepository {
  constructor(@Inject(DATABASE) private readonly db: DatabaseRouter) {}

  /** Inserts a user on the primary; returns undefined when the email is already taken. */
  async insert(user: {
    id: string;
    email: string;
    name: string;
    passwordHash: string;
    creditLimitMinor: number;
  }): Promise<UserRow | undefined> {
    try {
      const result = await this.db.query<UserRow>(
        `INSERT INTO users.users (id, email, name, password_hash, credit_limit_minor) VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
        [user.id, user.email, user.name, user.passwordHash, user.creditLimitMinor],
      );
      return result.rows[0];
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return undefined;
      throw error;
    }
  }

  /**
   * Changes the given fields on the primary. Returns the new row, undefined for an unknown id,
   * or 'email_taken' when the new email belongs to someone else. The commit's WAL position
   * becomes the request's consistency token, so the caller's next read sees the change.
   */
  async update(id: string, changes: { email?: string; name?: string }): Promise<UserRow | 'email_taken' | undefined> {
    try {
      const result = await this.db.query<UserRow>(USER_SQL.update, [id, changes.email ?? null, changes.name ?? null]);
      return result.rows[0];
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) return 'email_taken';
      throw error;
    }
  }

  /**
   * Finds a user with a session read: on a replica that has replayed the request's consistency
   * token, so a client that sends its token sees its own writes. A caller with no token may be
   * asking for a user created a moment ago that has not replicated yet, so a miss is confirmed
   * on the primary before it becomes NOT_FOUND.
   */
  async findById(id: string): Promise<UserRow | undefined> {
    const fromReplica = await this.db.read<UserRow>(USER_SQL.findById, [id], { consistency: 'session' });
    if (fromReplica.rows[0] !== undefined) return fromReplica.rows[0];
    const fromPrimary = await this.db.read<UserRow>(USER_SQL.findById, [id], { consistency: 'strong' });
    return fromPrimary.rows[0];
  }

  /** Finds many users in one query on a replica; the ids the replica lacks are confirmed on the primary, as in findById. */
  async findByIds(ids: readonly string[]): Promise<UserRow[]> {
    const sql = USER_SQL.findByIds;
    const fromReplica = (await this.db.read<UserRow>(sql, [ids])).rows;
    const found = new Set(fromReplica.map((row) => row.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length === 0) return fromReplica;
    return [...fromReplica, ...(await this.db.query<UserRow>(sql, [missing])).rows];
  }

  /**
   * Finds a user and their password hash by email, in any case (the unique index is on
   * lower(email)). On the primary: signing in right after signing up must not miss the new row
   * on a lagging replica.
   */
  async findCredentialsByEmail(email: string): Promise<UserCredentialsRow | undefined> {
    const result = await this.db.query<UserCredentialsRow>(
      `SELECT ${USER_COLUMNS}, password_hash FROM users.users WHERE lower(email) = lower($1)`,
      [email],
    );
    return result.rows[0];
  }

  async findOrderStatistics(userId: string): Promise<OrderStatisticsRow[]> {
    const result = await this.db.read<OrderStatisticsRow>(USER_SQL.orderStatistics, [userId]);
    return result.rows;
  }

  /** The statistics rows of many users in one query (one row per user and currency). */
  async findOrderStatisticsOfUsers(userIds: readonly string[]): Promise<OrderStatisticsRow[]> {
    const result = await this.db.read<OrderStatisticsRow>(USER_SQL.orderStatisticsOfUsers, [userIds]);
    return result.rows;
  }

  /** One page of users, oldest first, strictly after `after` (keyset pagination: no OFFSET scans). */
  async listPage(limit: number, after: UserPagePosition | undefined): Promise<UserRow[]> {
    const result = after
      ? await this.db.read<UserRow>(USER_SQL.pageAfter, [after.createdAt, after.id, limit])
      : await this.db.read<UserRow>(USER_SQL.firstPage, [limit]);
    return result.rows;
  }

  /**
   * Counts a confirmed order in the user's statistics (`change` +1), or stops counting a cancelled
   * one (-1), inside the caller's transaction: the inbox's, which records the event in the same
   * transaction so a redelivered event changes nothing.
   */
  async applyOrderCounted(
    tx: SqlExecutor,
    order: { userId: string; currencyCode: string; amountMinor: number; at: Date; change: 1 | -1 },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO users.order_statistics (user_id, currency_code, orders_count, total_spent_minor, last_order_at)
       VALUES ($1, $2, $5::int, $5::int * $3::bigint, $4)
       ON CONFLICT (user_id, currency_code) DO UPDATE SET
         orders_count = order_statistics.orders_count + EXCLUDED.orders_count,
         total_spent_minor = order_statistics.total_spent_minor + EXCLUDED.total_spent_minor,
         last_order_at = CASE WHEN $5::int > 0 THEN GREATEST(order_statistics.last_order_at, EXCLUDED.last_order_at)
                              ELSE order_statistics.last_order_at END`,
      [order.userId, order.currencyCode, order.amountMinor, order.at, order.change],
    );
  }
}
