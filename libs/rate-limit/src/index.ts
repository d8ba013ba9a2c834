export * from './lib/rate-limit-policy';
export * from './lib/rate-limiter';
export * from './lib/rate-limit-exceeded.error';
export * from './lib/rate-limit-headers';
export * from './lib/rate-limit.guard';
export { LocalTokenBucket } from './lib/local-token-bucket';
