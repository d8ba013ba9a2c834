export * from './lib/serializer';
export * from './lib/cache-store';
export * from './lib/redis-cache';
