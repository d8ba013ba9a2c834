import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { userV1 } from '@workshop/contracts';
import { AlreadyExistsError, NotFoundError } from '@workshop/errors';
import { decodePageToken, resolvePageSize, toPage } from '@workshop/pagination';
import { UserCache, type UserWithStatistics } from './user.cache';
import { type OrderStatisticsRow, UserRepository, type UserRow } from './user.repository';
import { validateCreateUser, validateUserId } from './user.validation';

@Injectable()
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly cache: UserCache,
  ) {}

  async createUser(request: userV1.CreateUserRequest): Promise<userV1.User> {
    const { email, name } = validateCreateUser(request);
    const created = await this.users.insert({ id: randomUUID(), email, name });
    if (created === undefined) throw new AlreadyExistsError(`A user with email ${email} already exists`);
    return toUser(created);
  }

  /**
   * Cache-aside: answer from the cache when it has the user, otherwise load from the database and
   * fill the cache. An unknown id is cached too (briefly), so repeated lookups of a missing user do
   * not reach the database. Writes that change the answer call `UserCache.invalidateUser`.
   */
  async getUser(id: string): Promise<UserWithStatistics> {
    const userId = validateUserId(id);
    const found = await this.cache.getUser(userId, () => this.loadUser(userId));
    if (found === null) throw new NotFoundError('User', userId);
    return found;
  }

  async listUsers(request: userV1.ListUsersRequest): Promise<userV1.ListUsersResponse> {
    const pageSize = resolvePageSize(request.pageSize);
    const after = decodePageToken(request.pageToken);
    const rows = await this.users.listPage(pageSize + 1, after);
    const page = toPage(rows, pageSize, (row) => ({ createdAt: row.created_at, id: row.id }));
    return { users: page.items.map(toUser), nextPageToken: page.nextPageToken };
  }

  private async loadUser(userId: string): Promise<UserWithStatistics | null> {
    const [user, statistics] = await Promise.all([this.users.findById(userId), this.users.findOrderStatistics(userId)]);
    if (user === undefined) return null;
    return { user: toUser(user), orderStatistics: toOrderStatistics(statistics) };
  }
}

function toUser(row: UserRow): userV1.User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at };
}

function toOrderStatistics(rows: readonly OrderStatisticsRow[]): userV1.OrderStatistics {
  const lastOrderAt = rows.reduce<Date | undefined>(
    (latest, row) => (latest === undefined || row.last_order_at > latest ? row.last_order_at : latest),
    undefined,
  );
  return {
    ordersCount: rows.reduce((count, row) => count + row.orders_count, 0),
    totalSpent: rows.map((row) => ({ amountMinor: row.total_spent_minor, currencyCode: row.currency_code })),
    lastOrderAt,
  };
}
