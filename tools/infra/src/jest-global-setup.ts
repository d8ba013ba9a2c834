import { join } from 'node:path';
import { register } from 'tsconfig-paths';
import { readFileSync } from 'node:fs';
import { WORKSPACE_ROOT } from './lib/infrastructure-paths';

/**
 * Jest global setup for integration-test projects; in their jest.config.js:
 *
 *   globalSetup: '../../tools/infra/src/jest-global-setup.ts',
 *
 * Brings up whatever part of the local infrastructure is not running (a no-op taking well under a
 * second when everything is up) and leaves it running afterwards, so the next run starts fast.
 * Servers named in the environment (KAFKA_BROKERS, DATABASE_PRIMARY_URL, ...) are left alone.
 */
export default async function globalSetup(): Promise<void> {
  // Jest loads a global setup with Node's own module resolution, not with the resolver that maps
  // the `@workshop/*` aliases for tests, so register the aliases while the infrastructure code loads.
  const { compilerOptions } = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const unregisterAliases = register({ baseUrl: WORKSPACE_ROOT, paths: compilerOptions.paths });
  try {
    const { startInfrastructure } = await import('./lib/infrastructure');
    await startInfrastructure({ log: (message) => console.log(`[infra] ${message}`) });
  } finally {
    unregisterAliases();
  }
}
