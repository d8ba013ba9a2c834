export * from './lib/load-config';
export * from './lib/infrastructure.config';
export * from './lib/service.config';
export * from './lib/cache.config';
