import 'reflect-metadata';
import { loadOrderServiceConfig } from './order-service.config';
import { startOrderService } from './order-service.app';

// Configuration is validated before anything starts: a bad variable stops the process at once
// with every problem listed, instead of failing later on first use.
startOrderService(loadOrderServiceConfig()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
