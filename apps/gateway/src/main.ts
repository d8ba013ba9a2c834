import 'reflect-metadata';
import { loadGatewayConfig } from './gateway.config';
import { startGateway } from './gateway.app';

// Configuration is validated before anything starts: a bad variable stops the process at once
// with every problem listed, instead of failing later on first use.
startGateway(loadGatewayConfig()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
