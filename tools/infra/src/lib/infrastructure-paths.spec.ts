import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { infrastructurePaths, WORKSPACE_ROOT } from './infrastructure-paths';

describe('infrastructurePaths', () => {
  it('finds the workspace root from the source location, whatever the current directory', () => {
    expect(existsSync(join(WORKSPACE_ROOT, 'nx.json'))).toBe(true);
  });

  it('keeps everything under <workspace>/.infra, one directory per piece', () => {
    const paths = infrastructurePaths('/workspace');
    expect(paths.root).toBe('/workspace/.infra');
    expect(paths.kafka.libraries).toBe('/workspace/.infra/kafka/libs');
    expect(paths.kafka.log).toBe('/workspace/.infra/kafka/kafka.log');
    expect(paths.postgres.primaryData).toBe('/workspace/.infra/postgres/primary');
    expect(paths.postgres.replicaData(2)).toBe('/workspace/.infra/postgres/replica-2');
    expect(paths.redis.pidFile).toBe('/workspace/.infra/redis/redis.pid');
  });
});
