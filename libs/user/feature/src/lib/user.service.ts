import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type RedisCache, type Serializer } from '@workshop/cache';
import type { userV1 } from '@workshop/contracts';
import { AlreadyExistsError, NotFoundError } from '@workshop/errors';
import { decodePageToken, resolvePageSize, toPage } from '@workshop/pagination';
import { type OrderStatisticsRow, UserRepository, type UserRow } from './user.repository';
import { CACHE } from './user.tokens';
import { validateCreateUser, validateUserId, validateUserIds } from './user.validation';

/** Cached GetUser answers: the user with its statistics, as the RPC returns them. */
type UserWithStatistics = Required<Pick<userV1.GetUserResponse, 'user' | 'orderStatistics'>>;

/** Dates survive the trip through Redis as ISO strings and come back as Dates. */
const userWithStatisticsSerializer: Serializer<UserWithStatistics> = {
  serialize: (value) => JSON.stringify(value),
  deserialize: (text) =>
    JSON.parse(text, (key, value: unknown) =>
      (key === 'createdAt' || key === 'lastOrderAt') && typeof value === 'string' ? new Date(value) : value,
    ) as UserWithStatistics,
};

export const userCacheKey = (userId: string) => `user:${userId}`;

@Injectable()
export class UserService {
  constructor(
    private readonly users: UserRepository,
    @Inject(CACHE) private readonly cache: RedisCache,
  ) {}

  async createUser(request: userV1.CreateUserRequest): Promise<userV1.User> {
    const { email, name } = validateCreateUser(request);
    const created = await this.users.insert({ id: randomUUID(), email, name });
    if (created === undefined) throw new AlreadyExistsError(`A user with email ${email} already exists`);
    return toUser(created);
  }

  /**
   * Cache-aside: answer from Redis when the entry is there, otherwise load from the database and
   * fill the cache. Writes that change the answer (new order statistics) delete the entry.
   */
  async getUser(id: string): Promise<UserWithStatistics> {
    const userId = validateUserId(id);
    return this.cache.getOrSet(userCacheKey(userId), () => this.loadUser(userId), { serializer: userWithStatisticsSerializer });
  }

  async listUsers(request: userV1.ListUsersRequest): Promise<userV1.ListUsersResponse> {
    const pageSize = resolvePageSize(request.pageSize);
    const after = decodePageToken(request.pageToken);
    const rows = await this.users.listPage(pageSize + 1, after);
    const page = toPage(rows, pageSize, (row) => ({ createdAt: row.created_at, id: row.id }));
    return { users: page.items.map(toUser), nextPageToken: page.nextPageToken };
  }

  /**
   * Many users with their statistics in two queries, whatever their number: the batch behind the
   * gateway's GraphQL DataLoader. It reads the database, not the cache: one indexed query for up
   * to 100 ids costs about what one cache round trip costs, and the answer is never stale.
   */
  async batchGetUsers(ids: readonly string[]): Promise<UserWithStatistics[]> {
    const userIds = validateUserIds(ids);
    if (userIds.length === 0) return [];
    const [users, statistics] = await Promise.all([this.users.findByIds(userIds), this.users.findOrderStatisticsOfUsers(userIds)]);
    const statisticsByUser = new Map<string, OrderStatisticsRow[]>();
    for (const row of statistics) statisticsByUser.set(row.user_id, [...(statisticsByUser.get(row.user_id) ?? []), row]);
    return users.map((user) => ({ user: toUser(user), orderStatistics: toOrderStatistics(statisticsByUser.get(user.id) ?? []) }));
  }

  private async loadUser(userId: string): Promise<UserWithStatistics> {
    const [user, statistics] = await Promise.all([this.users.findById(userId), this.users.findOrderStatistics(userId)]);
    if (user === undefined) throw new NotFoundError('User', userId);
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
