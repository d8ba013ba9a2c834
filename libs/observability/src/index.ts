export * from './lib/correlation';
export * from './lib/logger';
export * from './lib/metrics';
export * from './lib/request-observability.interceptor';
export * from './lib/http-metrics';
export * from './lib/health.controller';
export * from './lib/consistency-token';
export * from './lib/consistency-token.interceptor';
