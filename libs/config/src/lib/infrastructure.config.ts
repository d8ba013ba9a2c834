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
} as const;

const postgresUrl = z.url({ protocol: /^postgres(ql)?$/ });

export const infrastructureSchema = z.object({
  KAFKA_BROKERS: commaSeparated(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port')).default([INFRASTRUCTURE_DEFAULTS.KAFKA_BROKERS]),
  DATABASE_PRIMARY_URL: postgresUrl.default(INFRASTRUCTURE_DEFAULTS.DATABASE_PRIMARY_URL),
  DATABASE_REPLICA_URLS: commaSeparated(postgresUrl).default([INFRASTRUCTURE_DEFAULTS.DATABASE_REPLICA_URLS]),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default(INFRASTRUCTURE_DEFAULTS.REDIS_URL),
  /** Partitions of each topic the project creates; several, so consumer groups can scale out. */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(64).default(6),
});

export type InfrastructureSettings = z.infer<typeof infrastructureSchema>;

export interface InfrastructureConfig {
  kafka: { brokers: string[]; topicPartitions: number };
  postgres: { primaryUrl: string; replicaUrls: string[] };
  redis: { url: string };
  /**
   * Which parts the environment points elsewhere. The project's own infrastructure tooling
   * starts only the parts that are not external: a Kafka named in KAFKA_BROKERS is someone
   * else's to run.
   */
  external: { kafka: boolean; postgres: boolean; redis: boolean };
}

export function loadInfrastructureConfig(env: Environment = process.env): InfrastructureConfig {
  const settings = loadConfig(infrastructureSchema, env);
  const isSet = (name: keyof typeof INFRASTRUCTURE_DEFAULTS) => Boolean(env[name]);
  return {
    kafka: { brokers: settings.KAFKA_BROKERS, topicPartitions: settings.KAFKA_TOPIC_PARTITIONS },
    postgres: { primaryUrl: settings.DATABASE_PRIMARY_URL, replicaUrls: settings.DATABASE_REPLICA_URLS },
    redis: { url: settings.REDIS_URL },
    external: {
      kafka: isSet('KAFKA_BROKERS'),
      postgres: isSet('DATABASE_PRIMARY_URL') || isSet('DATABASE_REPLICA_URLS'),
      redis: isSet('REDIS_URL'),
    },
  };
}
