export * from './lib/user.module';
export { USER_MIGRATIONS, USER_SCHEMA } from './lib/user.migrations';
export { seedUsersForPlans, userMainQueries } from './lib/user.query-plans';
