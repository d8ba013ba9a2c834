import { z } from 'zod';
import { infrastructureSchema, withPortOffset } from './infrastructure.config';
import { loadConfig, port, positiveInteger, processEnvironment, type Environment } from './load-config';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A host:port pair, e.g. `127.0.0.1:50051` or `user-service:50051`. */
export const hostAndPort = () => z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port');

/** Settings every process of the system has: logging and its HTTP port (API, or health and metrics). */
export const processSchema = z.object({
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /** Interface the HTTP server binds: loopback on a workstation, 0.0.0.0 in a container. */
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  /** Grace period on SIGTERM for in-flight requests and consumer commits before the process exits. */
  SHUTDOWN_TIMEOUT_MS: positiveInteger().default(10_000),
});

/**
 * Settings of a backend service (user-service, order-service): infrastructure addresses, its gRPC
 * listen address, the HTTP port for health and metrics, and the database pool.
 *
 * gRPC listens on loopback by default: only the gateway (and other services) on this machine may
 * call it. In a container set GRPC_LISTEN_ADDRESS=0.0.0.0:port and let the network isolate it.
 */
export const backendServiceSchema = infrastructureSchema.extend(processSchema.shape).extend({
  GRPC_LISTEN_ADDRESS: hostAndPort(),
  HTTP_PORT: port(),
  DB_POOL_SIZE: positiveInteger().default(10),
  DB_STATEMENT_TIMEOUT_MS: positiveInteger().default(5_000),
  /** Deadline for each outgoing gRPC call. */
  GRPC_DEADLINE_MS: positiveInteger().default(2_000),
  /** The opt-in capacity model (libs/capacity): gRPC calls served at once per instance. Unset: off. */
  CAPACITY_MAX_CONCURRENCY: positiveInteger().optional(),
  /** The opt-in capacity model: minimum milliseconds each gRPC call holds its slot. Unset: off. */
  CAPACITY_SERVICE_TIME_MS: z.coerce.number().int().min(0).max(60_000).optional(),
});

export type BackendServiceConfig = z.infer<typeof backendServiceSchema>;

/**
 * The database and Kafka settings a backend service hands to its clients, named after the
 * service so its connections can be told apart (pg_stat_activity, Kafka client ids).
 */
export function backendConnections(config: BackendServiceConfig, serviceName: string) {
  return {
    database: {
      applicationName: serviceName,
      primaryUrl: config.DATABASE_PRIMARY_URL,
      replicaUrls: config.DATABASE_REPLICA_URLS,
      poolSize: config.DB_POOL_SIZE,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    },
    kafka: { brokers: config.KAFKA_BROKERS, clientId: serviceName, topicPartitions: config.KAFKA_TOPIC_PARTITIONS },
  };
}

/**
 * Loads a service's configuration: the schema's validation, with the infrastructure defaults
 * shifted by WORKSHOP_PORT_OFFSET when it is set (see `withPortOffset`).
 */
export function loadServiceConfig<Schema extends z.ZodType>(schema: Schema, env: Environment = processEnvironment()): z.infer<Schema> {
  return loadConfig(schema, withPortOffset(env));
}
