export * from './lib/order.module';
