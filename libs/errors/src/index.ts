export * from './lib/domain-error';
export * from './lib/grpc-status.mapping';
export * from './lib/grpc-error.interceptor';
