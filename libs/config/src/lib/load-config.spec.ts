import { z } from 'zod';
import { loadInfrastructureConfig, withPortOffset } from './infrastructure.config';
import { commaSeparated, ConfigValidationError, loadConfig, port } from './load-config';

describe('loadConfig', () => {
  const schema = z.object({ PORT: port().default(3000), BROKERS: commaSeparated().default(['a:1']) });

  it('applies defaults, and treats an empty variable as unset', () => {
    expect(loadConfig(schema, { PORT: '' })).toEqual({ PORT: 3000, BROKERS: ['a:1'] });
  });

  it('parses comma-separated lists, ignoring blanks', () => {
    expect(loadConfig(schema, { BROKERS: ' b:2, ,c:3 ' }).BROKERS).toEqual(['b:2', 'c:3']);
  });

  it('reports every invalid variable in one error', () => {
    const failure = (() => {
      try {
        loadConfig(z.object({ PORT: port(), HOST: z.string().min(1) }), { PORT: 'eighty' });
      } catch (error) {
        return error;
      }
      return undefined;
    })();

    expect(failure).toBeInstanceOf(ConfigValidationError);
    expect((failure as ConfigValidationError).problems.map((problem) => problem.split(':')[0])).toEqual(['PORT', 'HOST']);
  });
});

describe('loadInfrastructureConfig', () => {
  it('points at the project-owned infrastructure by default', () => {
    const config = loadInfrastructureConfig({});

    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092']);
    expect(config.postgres.replicaUrls).toHaveLength(1);
    expect(config.external).toEqual({ kafka: false, postgres: false, redis: false, memcached: false });
  });

  it('marks what the environment names as external, so nothing is started for it', () => {
    const config = loadInfrastructureConfig({ REDIS_URL: 'redis://cache.internal:6379', KAFKA_BROKERS: 'k1:9092,k2:9092' });

    expect(config.external).toEqual({ kafka: true, postgres: false, redis: true, memcached: false });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
  });

  it('rejects a database URL of another kind', () => {
    expect(() => loadInfrastructureConfig({ DATABASE_PRIMARY_URL: 'mysql://db/workshop' })).toThrow(ConfigValidationError);
  });
});

describe('withPortOffset', () => {
  it('shifts every default port, so a second stack can run beside the first', () => {
    const config = loadInfrastructureConfig({ WORKSHOP_PORT_OFFSET: '100' });
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19192']);
    expect(config.postgres.primaryUrl).toBe('postgres://workshop:workshop@127.0.0.1:15532/workshop');
    expect(config.postgres.replicaUrls).toEqual(['postgres://workshop:workshop@127.0.0.1:15533/workshop']);
    expect(config.redis.url).toBe('redis://127.0.0.1:16479');
    expect(config.memcached.servers).toEqual(['127.0.0.1:21311']);
    expect(config.external).toEqual({ kafka: false, postgres: false, redis: false, memcached: false });
  });

  it('leaves variables that are set alone', () => {
    const config = loadInfrastructureConfig({ WORKSHOP_PORT_OFFSET: '100', REDIS_URL: 'redis://cache.internal:6379' });
    expect(config.redis.url).toBe('redis://cache.internal:6379');
    expect(config.external.redis).toBe(true);
  });

  it('with POSTGRES_REPLICAS=N, reads from the N local replicas (after the offset) unless DATABASE_REPLICA_URLS is set', () => {
    const two = loadInfrastructureConfig({ WORKSHOP_PORT_OFFSET: '100', POSTGRES_REPLICAS: '2' });
    expect(two.postgres.replicaUrls).toEqual([
      'postgres://workshop:workshop@127.0.0.1:15533/workshop',
      'postgres://workshop:workshop@127.0.0.1:15534/workshop',
    ]);
    expect(two.postgres.localReplicas).toBe(2);
    expect(two.external.postgres).toBe(false);
    const named = loadInfrastructureConfig({ POSTGRES_REPLICAS: '2', DATABASE_REPLICA_URLS: 'postgres://u:p@replica.internal:5432/db' });
    expect(named.postgres.replicaUrls).toEqual(['postgres://u:p@replica.internal:5432/db']);
    expect(() => loadInfrastructureConfig({ POSTGRES_REPLICAS: '0' })).toThrow(ConfigValidationError);
  });

  it('rejects an offset that is not a small whole number', () => {
    expect(() => withPortOffset({ WORKSHOP_PORT_OFFSET: '-5' })).toThrow(ConfigValidationError);
  });
});
