import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Environment } from '@workshop/config';
import { parse } from 'yaml';

const WORKSPACE_ROOT = join(__dirname, '../../../..');

/**
 * The environment docker-compose.yml gives one service, with YAML merge keys resolved. Each
 * app's config spec validates it against the app's schema, so the compose file cannot drift
 * from what the code accepts, even though no Docker engine runs it in CI.
 */
export function composeServiceEnvironment(service: string): Environment {
  const compose = parse(readFileSync(join(WORKSPACE_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string | number> } | undefined>;
  };
  const definition = compose.services[service];
  if (definition === undefined) throw new Error(`docker-compose.yml has no service "${service}"`);
  return Object.fromEntries(Object.entries(definition.environment ?? {}).map(([name, value]) => [name, String(value)]));
}
