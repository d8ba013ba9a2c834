import { Inject, Injectable } from '@nestjs/common';
import { type Cache, jsonSerializerWithDates } from '@workshop/cache';
import type { userV1 } from '@workshop/contracts';
import { CACHE } from './user.tokens';

/** Cached GetUser answers: the user with its statistics, as the RPC returns them. */
export type UserWithStatistics = Required<Pick<userV1.GetUserResponse, 'user' | 'orderStatistics'>>;

/** Dates survive the trip through the remote tier as ISO strings and come back as Dates. */
const userWithStatisticsSerializer = jsonSerializerWithDates<UserWithStatistics | null>('createdAt', 'lastOrderAt');

/** Everything cached about one user carries this tag, so one call invalidates all of it. */
const userTag = (userId: string) => `user:${userId}`;

/**
 * What user-service caches, and the one way to invalidate it. Any write that changes what
 * GetUser answers for a user (a profile edit, new order statistics) calls `invalidateUser` after
 * its transaction commits, so a reader that refills the cache sees the new state.
 */
@Injectable()
export class UserCache {
  constructor(@Inject(CACHE) private readonly cache: Cache) {}

  /** The user with statistics, from the cache or `load`; `null` (an unknown id) is cached briefly too. */
  getUser(userId: string, load: () => Promise<UserWithStatistics | null>): Promise<UserWithStatistics | null> {
    return this.cache.getOrSet(`user:${userId}`, load, { serializer: userWithStatisticsSerializer, tags: [userTag(userId)] });
  }

  /** Drops everything cached about the user, on every instance. Never throws (see `Cache.deleteByTag`). */
  invalidateUser(userId: string): Promise<void> {
    return this.cache.deleteByTag(userTag(userId));
  }
}
