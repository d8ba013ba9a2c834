export * from './lib/order.module';
export { ORDER_MIGRATIONS, ORDER_SCHEMA } from './lib/order.migrations';
export { orderMainQueries, seedOrdersForPlans } from './lib/order.query-plans';
