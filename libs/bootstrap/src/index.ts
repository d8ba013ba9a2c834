export * from './lib/http-application';
export * from './lib/backend-service';
