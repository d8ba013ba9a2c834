import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFRASTRUCTURE_DEFAULTS } from '@workshop/config';
import { parse } from 'yaml';
import { WORKSPACE_ROOT } from './lib/infrastructure-paths';
import { KAFKA_VERSION } from './lib/kafka';
import { hostAndPortOf } from './lib/tcp-port';

/**
 * docker-compose.yml cannot run on machines without a Docker engine (CI included), so this spec
 * checks what would otherwise drift silently: it offers the same stack on the same host ports as
 * `infra:up`, and wires the services to the compose hostnames.
 */
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  ports?: string[];
  environment?: Record<string, string | number>;
}

// `merge: true`: the file shares environment and build settings through YAML merge keys (<<).
const compose = parse(readFileSync(join(WORKSPACE_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};

/** Host ports a service publishes, from "host:container" or "ip:host:container". */
function publishedPorts(name: string): number[] {
  return (service(name).ports ?? []).map((mapping) => {
    const parts = mapping.split(':');
    return Number(parts[parts.length - 2]);
  });
}

const defaultPort = (address: string) => hostAndPortOf(address, 0).port;
const replicaUrls = INFRASTRUCTURE_DEFAULTS.DATABASE_REPLICA_URLS.split(',');

describe('docker-compose.yml', () => {
  it('has the infrastructure and the three services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['gateway', 'kafka', 'memcached', 'order-service', 'postgres-primary', 'postgres-replica', 'redis', 'user-service'].sort(),
    );
  });

  it('publishes the infrastructure on the same host ports as the local defaults', () => {
    expect(publishedPorts('kafka')).toEqual([defaultPort(INFRASTRUCTURE_DEFAULTS.KAFKA_BROKERS)]);
    expect(publishedPorts('postgres-primary')).toEqual([defaultPort(INFRASTRUCTURE_DEFAULTS.DATABASE_PRIMARY_URL)]);
    expect(publishedPorts('postgres-replica')).toEqual(replicaUrls.map(defaultPort));
    expect(publishedPorts('redis')).toEqual([defaultPort(INFRASTRUCTURE_DEFAULTS.REDIS_URL)]);
    expect(publishedPorts('memcached')).toEqual([defaultPort(INFRASTRUCTURE_DEFAULTS.MEMCACHED_SERVERS)]);
    expect(publishedPorts('gateway')).toEqual([3000]);
  });

  it('runs the Kafka version the local broker runs, and PostgreSQL 15', () => {
    expect(service('kafka').image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(service('postgres-primary').image).toBe('postgres:15');
    expect(service('postgres-replica').image).toBe('postgres:15');
  });

  it('advertises the host listener at the address host clients use', () => {
    expect(String(service('kafka').environment?.['KAFKA_ADVERTISED_LISTENERS'])).toContain(`//${INFRASTRUCTURE_DEFAULTS.KAFKA_BROKERS}`);
  });

  it('bootstraps the replica from the primary with pg_basebackup -R', () => {
    const replica = JSON.stringify(service('postgres-replica'));
    expect(replica).toContain('pg_basebackup');
    expect(replica).toContain('--host postgres-primary');
    expect(replica).toContain('--write-recovery-conf');
  });

  describe.each(['user-service', 'order-service', 'gateway'])('%s', (name) => {
    const environment = service(name).environment ?? {};

    it('is built from the shared Dockerfile for its own app', () => {
      expect(service(name).build).toEqual({ context: '.', dockerfile: 'tools/infra/docker/Dockerfile', args: { APP: name } });
    });

    it('reaches the infrastructure by compose hostnames', () => {
      expect(environment['KAFKA_BROKERS']).toBe('kafka:9092');
      expect(environment['DATABASE_PRIMARY_URL']).toMatch(/@postgres-primary:5432\//);
      expect(environment['DATABASE_REPLICA_URLS']).toMatch(/@postgres-replica:5432\//);
      expect(environment['REDIS_URL']).toBe('redis://redis:6379');
      expect(environment['MEMCACHED_SERVERS']).toBe('memcached:11211');
      expect(environment['HTTP_HOST']).toBe('0.0.0.0');
    });
  });

  it('gives each service its ports and the others by compose hostname', () => {
    expect(service('user-service').environment).toMatchObject({ GRPC_LISTEN_ADDRESS: '0.0.0.0:50051', HTTP_PORT: 9101 });
    expect(service('order-service').environment).toMatchObject({
      GRPC_LISTEN_ADDRESS: '0.0.0.0:50052',
      HTTP_PORT: 9102,
      USER_SERVICE_URL: 'user-service:50051',
    });
    expect(service('gateway').environment).toMatchObject({
      HTTP_PORT: 3000,
      USER_SERVICE_URL: 'user-service:50051',
      ORDER_SERVICE_URL: 'order-service:50052',
    });
  });
});
