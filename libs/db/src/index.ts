export * from './lib/database.types';
export * from './lib/database-router';
export * from './lib/migrations';
export { classifyReplicaFailure, type ReplicaFallbackReason } from './lib/replica-failure';
export { type ReadFallbackReason } from './lib/database.metrics';
export { type ReplicaState } from './lib/replica-state';
export * from './lib/query-plans';
