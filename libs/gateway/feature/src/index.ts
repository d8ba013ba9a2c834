export * from './lib/gateway.module';
export * from './lib/errors/problem-details.filter';
export * from './lib/errors/validation.pipe';
export * from './lib/http-caching/conditional-get';
export * from './lib/openapi/api-docs';
export { BEARER_AUTH } from './lib/openapi/api-responses';
export * from './lib/auth/access-token';
