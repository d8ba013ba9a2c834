import { Inject, Injectable } from '@nestjs/common';
import { type Cache, jsonSerializerWithDates } from '@workshop/cache';
import { type PlacedOrder } from './order.repository';
import { CACHE } from './order.tokens';

const orderSerializer = jsonSerializerWithDates<PlacedOrder | null>('createdAt');

/**
 * What order-service caches: GetOrder answers. A placed order changes only when its status does;
 * whatever changes it (the saga) calls `invalidateOrder` after its transaction commits.
 */
@Injectable()
export class OrderCache {
  constructor(@Inject(CACHE) private readonly cache: Cache) {}

  /** The order, from the cache or `load`; `null` (an unknown id) is cached briefly too. */
  getOrder(orderId: string, load: () => Promise<PlacedOrder | null>): Promise<PlacedOrder | null> {
    return this.cache.getOrSet(`order:${orderId}`, load, { serializer: orderSerializer });
  }

  /** Drops the cached order on every instance. Never throws (see `Cache.delete`). */
  invalidateOrder(orderId: string): Promise<void> {
    return this.cache.delete(`order:${orderId}`);
  }
}
