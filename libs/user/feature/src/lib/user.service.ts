import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type RedisCache, type Serializer } from '@workshop/cache';
import type { userV1 } from '@workshop/contracts';
import { AlreadyExistsError, NotFoundError } from '@workshop/errors';
import { decodePageToken, resolvePageSize, toPage } from '@workshop/pagination';
import { type OrderStatisticsRow, UserRepository, type UserRow } from './user.repository';
import { CACHE } from './user.tokens';
import { validateCreateUser, validateUpdateUser, validateUserId } from './user.validation';

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
   * Changes a user's email and/or name. The cached answer is deleted after the commit, so the
   * next GetUser loads the new state (with a session read, from a replica that has it).
   */
  async updateUser(request: userV1.UpdateUserRequest): Promise<userV1.User> {
    const { id, ...changes } = validateUpdateUser(request);
    const updated = await this.users.update(id, changes);
    if (updated === undefined) throw new NotFoundError('User', id);
    if (updated === 'email_taken') throw new AlreadyExistsError(`A user with email ${changes.email ?? ''} already exists`);
    await this.cache.delete(userCacheKey(id));
    return toUser(updated);
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
