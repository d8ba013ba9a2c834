export * from './lib/system-under-test';
export * from './lib/eventually';
export * from './lib/docker-compose';
export * from './lib/sign-up';
export * from './lib/infrastructure-faults';
export * from './lib/replica-lag';
export * from './lib/system-database';
export * from './lib/web-socket-client';
