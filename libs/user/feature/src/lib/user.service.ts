import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { userV1 } from '@workshop/contracts';
import { AlreadyExistsError, NotFoundError, PermissionDeniedError, UnauthenticatedError } from '@workshop/errors';
import { assertMayRead, type CallerIdentity } from '@workshop/grpc';
import { decodePageToken, resolvePageSize, toPage } from '@workshop/pagination';
import { PasswordHasher } from './password-hasher';
import { UserCache, type UserWithStatistics } from './user.cache';
import { type OrderStatisticsRow, UserRepository, type UserRow } from './user.repository';
import { PASSWORD_HASHER, USER_MODULE_SETTINGS, type UserModuleSettings } from './user.tokens';
import { MAX_PASSWORD_LENGTH, validateCreateUser, validateUpdateUser, validateUserId, validateUserIds } from './user.validation';

@Injectable()
export class UserService {
  private readonly adminEmails: ReadonlySet<string>;

  constructor(
    private readonly users: UserRepository,
    private readonly cache: UserCache,
    @Inject(PASSWORD_HASHER) private readonly passwords: PasswordHasher,
    @Inject(USER_MODULE_SETTINGS) private readonly settings: UserModuleSettings,
  ) {
    this.adminEmails = new Set(settings.adminEmails.map((email) => email.toLowerCase()));
  }

  /** Signs a user up: only the password's scrypt hash is stored. */
  async createUser(request: userV1.CreateUserRequest): Promise<userV1.User> {
    const { email, name, password } = validateCreateUser(request);
    const passwordHash = await this.passwords.hash(password);
    const created = await this.users.insert({
      id: randomUUID(),
      email,
      name,
      passwordHash,
      creditLimitMinor: this.settings.defaultCreditLimitMinor,
    });
    if (created === undefined) throw new AlreadyExistsError(`A user with email ${email} already exists`);
    return toUser(created);
  }

  /**
   * Changes a user's email and/or name: the caller's own (an admin's: anyone's; another id is
   * NOT_FOUND). The cached answer is invalidated after the commit, on every instance, so the next
   * GetUser loads the new state (with a session read, from a replica that has it).
   */
  async updateUser(caller: CallerIdentity, request: userV1.UpdateUserRequest): Promise<userV1.User> {
    const { id, ...changes } = validateUpdateUser(request);
    assertMayRead(caller, id, 'User', id);
    const updated = await this.users.update(id, changes);
    if (updated === undefined) throw new NotFoundError('User', id);
    if (updated === 'email_taken') throw new AlreadyExistsError(`A user with email ${changes.email ?? ''} already exists`);
    await this.cache.invalidateUser(id);
    return toUser(updated);
  }

  /**
   * Checks an email and password. Every failure (unknown email, no password set, wrong password)
   * is the same UNAUTHENTICATED answer after the same amount of hashing work, so neither the
   * message nor the timing reveals whether an account exists.
   */
  async verifyCredentials(request: userV1.VerifyCredentialsRequest): Promise<userV1.VerifyCredentialsResponse> {
    const rejected = new UnauthenticatedError('Wrong email or password');
    if (request.password.length > MAX_PASSWORD_LENGTH) throw rejected;
    const found = await this.users.findCredentialsByEmail(request.email.trim());
    const matches = await this.passwords.verify(request.password, found?.password_hash ?? undefined);
    if (found === undefined || !matches) throw rejected;
    const role = this.adminEmails.has(found.email.toLowerCase()) ? userV1.Role.ROLE_ADMIN : userV1.Role.ROLE_USER;
    return { user: toUser(found), role };
  }

  /**
   * Cache-aside: answer from the cache when it has the user, otherwise load from the database and
   * fill the cache. An unknown id is cached too (briefly), so repeated lookups of a missing user do
   * not reach the database. Writes that change the answer call `UserCache.invalidateUser`.
   * Someone else's user is NOT_FOUND, checked before the cache so it cannot answer either.
   */
  async getUser(caller: CallerIdentity, id: string): Promise<UserWithStatistics> {
    const userId = validateUserId(id);
    assertMayRead(caller, userId, 'User', userId);
    const found = await this.cache.getUser(userId, () => this.loadUser(userId));
    if (found === null) throw new NotFoundError('User', userId);
    return found;
  }

  /** Every user, page by page: for admins only. */
  async listUsers(caller: CallerIdentity, request: userV1.ListUsersRequest): Promise<userV1.ListUsersResponse> {
    if (caller.role !== 'admin') throw new PermissionDeniedError('Only admins may list users');
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
  async batchGetUsers(caller: CallerIdentity, ids: readonly string[]): Promise<UserWithStatistics[]> {
    // Ids the caller may not read are left out, exactly like unknown ids: nothing to probe.
    const userIds = validateUserIds(ids).filter((id) => caller.role === 'admin' || id === caller.userId);
    if (userIds.length === 0) return [];
    const [users, statistics] = await Promise.all([this.users.findByIds(userIds), this.users.findOrderStatisticsOfUsers(userIds)]);
    const statisticsByUser = new Map<string, OrderStatisticsRow[]>();
    for (const row of statistics) statisticsByUser.set(row.user_id, [...(statisticsByUser.get(row.user_id) ?? []), row]);
    return users.map((user) => ({ user: toUser(user), orderStatistics: toOrderStatistics(statisticsByUser.get(user.id) ?? []) }));
  }

  private async loadUser(userId: string): Promise<UserWithStatistics | null> {
    const [user, statistics] = await Promise.all([this.users.findById(userId), this.users.findOrderStatistics(userId)]);
    if (user === undefined) return null;
    return { user: toUser(user), orderStatistics: toOrderStatistics(statistics) };
  }
}

function toUser(row: UserRow): userV1.User {
  return { id: row.id, email: row.email, name: row.name, createdAt: row.created_at, creditLimitMinor: row.credit_limit_minor };
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
