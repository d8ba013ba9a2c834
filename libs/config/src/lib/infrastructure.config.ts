import { z } from 'zod';
import { commaSeparated, loadConfig, type Environment } from './load-config';

/**
 * Where the infrastructure lives. The defaults are the ports of the stack that `nx run infra:up`
 * starts on this machine; they stay clear of the standard ports (5432, 6379, 9092) so the
 * project never touches a server it does not own.
 */
export const INFRASTRUCTURE_DEFAULTS = {
  KAFKA_BROKERS: '127.0.0.1:19092',
  DATABASE_PRIMARY_URL: 'postgres://workshop:workshop@127.0.0.1:15432/workshop',
  DATABASE_REPLICA_URLS: 'postgres://workshop:workshop@127.0.0.1:15433/workshop',
  REDIS_URL: 'redis://127.0.0.1:16379',
  /** The alternative remote tier of libs/cache (`CACHE_REMOTE_STORE=memcached`). */
  MEMCACHED_SERVERS: '127.0.0.1:21211',
} as const;

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

export const infrastructureSchema = z.object({
  KAFKA_BROKERS: commaSeparated(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).default([INFRASTRUCTURE_DEFAULTS.KAFKA_BROKERS]),
  DATABASE_PRIMARY_URL: postgresUrl.default(INFRASTRUCTURE_DEFAULTS.DATABASE_PRIMARY_URL),
  DATABASE_REPLICA_URLS: commaSeparated(postgresUrl).default([INFRASTRUCTURE_DEFAULTS.DATABASE_REPLICA_URLS]),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default(INFRASTRUCTURE_DEFAULTS.REDIS_URL),
  MEMCACHED_SERVERS: commaSeparated(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).default([
    INFRASTRUCTURE_DEFAULTS.MEMCACHED_SERVERS,
  ]),
  /** Partitions of each topic the project creates; several, so consumer groups can scale out. */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(64).default(6),
  /**
   * Streaming replicas the local infrastructure runs (replica N on the primary's port + N). When
   * DATABASE_REPLICA_URLS is unset, the services read from all of them.
   */
  POSTGRES_REPLICAS: z.coerce.number().int().min(1).max(9).default(1),
});

export type InfrastructureSettings = z.infer<typeof infrastructureSchema>;

export interface InfrastructureConfig {
  kafka: { brokers: string[]; topicPartitions: number };
  /** `localReplicas`: how many replicas `infra:up` runs here (POSTGRES_REPLICAS). */
  postgres: { primaryUrl: string; replicaUrls: string[]; localReplicas: number };
  redis: { url: string };
  memcached: { servers: string[] };
  /**
   * Which parts the environment points elsewhere. The project's own infrastructure tooling
   * starts only the parts that are not external: a Kafka named in KAFKA_BROKERS is someone
   * else's to run.
   */
  external: { kafka: boolean; postgres: boolean; redis: boolean; memcached: boolean };
}

/**
 * Shifts every port of the defaults above by WORKSHOP_PORT_OFFSET, so a second checkout (a CI
 * clone next to a working copy, or a teammate's branch) can run its own stack and its own tests
 * beside the first without either one touching the other's servers. Variables that are set keep
 * their value; with no offset the environment comes back unchanged.
 */
export function withPortOffset(env: Environment): Environment {
  const offset = portOffset(env);
  if (offset === 0) return env;
  const shifted: Record<string, string> = {};
  for (const [name, address] of Object.entries(INFRASTRUCTURE_DEFAULTS)) {
    if (!env[name]) shifted[name] = shiftPorts(address, offset);
  }
  return { ...env, ...shifted };
}

/** WORKSHOP_PORT_OFFSET as a number; 0 when unset. */
export function portOffset(env: Environment): number {
  return loadConfig(portOffsetSchema, env).WORKSHOP_PORT_OFFSET;
}

const portOffsetSchema = z.object({ WORKSHOP_PORT_OFFSET: z.coerce.number().int().min(0).max(10_000).default(0) });

const shiftPorts = (addresses: string, offset: number) =>
  addresses.replace(/:(\d+)(?=\/|,|$)/g, (_match, port: string) => `:${Number(port) + offset}`);

/**
 * With POSTGRES_REPLICAS=N and no DATABASE_REPLICA_URLS, the replica URLs are those of the N
 * local replicas: the default primary URL with its port + 1 ... + N (after the port offset).
 * Set DATABASE_REPLICA_URLS and it is used as it is.
 */
export function withLocalReplicaUrls(env: Environment): Environment {
  if (env['DATABASE_REPLICA_URLS']) return env;
  const { POSTGRES_REPLICAS: count } = loadConfig(localReplicasSchema, env);
  if (count === 1) return env;
  const primary = new URL(shiftPorts(INFRASTRUCTURE_DEFAULTS.DATABASE_PRIMARY_URL, portOffset(env)));
  const urls = Array.from({ length: count }, (_, index) => {
    const replica = new URL(primary);
    replica.port = String(Number(primary.port) + index + 1);
    return replica.toString();
  });
  return { ...env, DATABASE_REPLICA_URLS: urls.join(',') };
}

const localReplicasSchema = infrastructureSchema.pick({ POSTGRES_REPLICAS: true });

export function loadInfrastructureConfig(env: Environment = process.env): InfrastructureConfig {
  const settings = loadConfig(infrastructureSchema, withPortOffset(withLocalReplicaUrls(env)));
  const isSet = (name: keyof typeof INFRASTRUCTURE_DEFAULTS) => Boolean(env[name]);
  return {
    kafka: { brokers: settings.KAFKA_BROKERS, topicPartitions: settings.KAFKA_TOPIC_PARTITIONS },
    postgres: {
      primaryUrl: settings.DATABASE_PRIMARY_URL,
      replicaUrls: settings.DATABASE_REPLICA_URLS,
      localReplicas: settings.POSTGRES_REPLICAS,
    },
    redis: { url: settings.REDIS_URL },
    memcached: { servers: settings.MEMCACHED_SERVERS },
    external: {
      kafka: isSet('KAFKA_BROKERS'),
      postgres: isSet('DATABASE_PRIMARY_URL') || isSet('DATABASE_REPLICA_URLS'),
      redis: isSet('REDIS_URL'),
      memcached: isSet('MEMCACHED_SERVERS'),
    },
  };
}
