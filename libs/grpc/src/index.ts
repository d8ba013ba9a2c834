export * from './lib/grpc-client';
export * from './lib/caller-identity';
