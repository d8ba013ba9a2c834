export * from './lib/grpc-client';
export * from './lib/channel-target';
export * from './lib/service-config';
export * from './lib/context-fields';
export * from './lib/deadline';
export * from './lib/context-propagation.interceptor';
export * from './lib/grpc-context.interceptor';
export * from './lib/standard-services';
