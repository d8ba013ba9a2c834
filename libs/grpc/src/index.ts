export * from './lib/grpc-client';
