import 'reflect-metadata';
import { loadUserServiceConfig } from './user-service.config';
import { startUserService } from './user-service.app';

// Configuration is validated before anything starts: a bad variable stops the process at once
// with every problem listed, instead of failing later on first use.
startUserService(loadUserServiceConfig()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
