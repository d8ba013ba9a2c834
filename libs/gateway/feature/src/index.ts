export * from './lib/gateway.module';
export * from './lib/errors/problem-details.filter';
export * from './lib/errors/validation.pipe';
export * from './lib/auth/access-token';
