import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { cacheSchema } from './cache.config';
import { infrastructureSchema, withLocalReplicaUrls, withPortOffset } from './infrastructure.config';
import { booleanFlag, commaSeparated, loadConfig, port, positiveInteger, processEnvironment, type Environment } from './load-config';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A host:port pair, e.g. `127.0.0.1:50051` or `user-service:50051`. */
export const hostAndPort = () => z.string().regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port');

/**
 * Where the instances of a gRPC service answer: `host:port`; a comma-separated list of
 * `ip:port`, one per instance (`127.0.0.1:50051,127.0.0.1:50061`); or `dns:///name:port`, a name
 * that resolves to one address per instance. Clients balance round-robin over all of them.
 */
export const grpcServiceAddress = () =>
  z
    .string()
    .transform((value) => value.replace(/\s+/g, ''))
    .refine((value) => /^dns:\/\/[^/]*\/[^:/]+:\d{1,5}$/.test(value) || isInstanceList(value), {
      message: 'expected host:port, a comma-separated list of ip:port, or dns:///name:port',
    });

function isInstanceList(value: string): boolean {
  const entries = value.split(',');
  if (!entries.every((entry) => /^[^:]+:\d{1,5}$/.test(entry))) return false;
  // A list is used as it is, nothing resolves it: its entries must be addresses, not names.
  return entries.length === 1 || entries.every((entry) => isIPv4(entry.slice(0, entry.lastIndexOf(':'))));
}

/** Settings of every process that calls a gRPC service. */
export const grpcClientSchema = z.object({
  /** Deadline for each outgoing gRPC call; an incoming call's remaining deadline can only shorten it. */
  GRPC_DEADLINE_MS: positiveInteger().default(2_000),
  /** Attempts per idempotent call (reads) that fails with UNAVAILABLE, the first included; 1 = no retry. */
  GRPC_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(5).default(3),
});

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
 * listen address, the HTTP port for health and metrics, the database pool, and the cache.
 *
 * gRPC listens on loopback by default: only the gateway (and other services) on this machine may
 * call it. In a container set GRPC_LISTEN_ADDRESS=0.0.0.0:port and let the network isolate it.
 */
export const backendServiceSchema = infrastructureSchema
  .extend(processSchema.shape)
  .extend(cacheSchema.shape)
  .extend({
    GRPC_LISTEN_ADDRESS: hostAndPort(),
    HTTP_PORT: port(),
    DB_POOL_SIZE: positiveInteger().default(10),
    DB_STATEMENT_TIMEOUT_MS: positiveInteger().default(5_000),
    /** Connections to each replica; unset: DB_POOL_SIZE. */
    DB_REPLICA_POOL_SIZE: positiveInteger().optional(),
    /** false sends every read to the primary (the read-replica pattern switched off, e.g. to compare). */
    DB_REPLICA_READS_ENABLED: booleanFlag().default(true),
    /** Consistency of reads that do not name one: strong | session | bounded | eventual (see libs/db). */
    DB_READ_CONSISTENCY: z.enum(['strong', 'session', 'bounded', 'eventual']).default('session'),
    /** Weight of each replica for load balancing, in DATABASE_REPLICA_URLS order; unset: all 1. */
    DB_REPLICA_WEIGHTS: commaSeparated(z.string().regex(/^\d+(\.\d+)?$/, 'expected a positive number')).optional(),
    /** A replica further behind than this many bytes of WAL, or ... */
    DB_REPLICA_MAX_LAG_BYTES: positiveInteger().default(16 * 1024 * 1024),
    /** ... this many milliseconds, leaves the read set until it is back under half of both. */
    DB_REPLICA_MAX_LAG_MS: positiveInteger().default(5_000),
    /** Longest a read-your-writes read waits for a replica to catch up before reading the primary. */
    DB_SESSION_WAIT_MS: z.coerce.number().int().min(0).default(50),
    /** Statements slower than this are logged with their plan. */
    DB_SLOW_QUERY_MS: positiveInteger().default(500),
    ...grpcClientSchema.shape,
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
      replicaPoolSize: config.DB_REPLICA_POOL_SIZE,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      replicaReadsEnabled: config.DB_REPLICA_READS_ENABLED,
      defaultReadConsistency: config.DB_READ_CONSISTENCY,
      replicaWeights: config.DB_REPLICA_WEIGHTS?.map(Number),
      replicaHealth: { maxLagBytes: config.DB_REPLICA_MAX_LAG_BYTES, maxLagMs: config.DB_REPLICA_MAX_LAG_MS },
      sessionWaitMs: config.DB_SESSION_WAIT_MS,
      slowQueryThresholdMs: config.DB_SLOW_QUERY_MS,
    },
    kafka: { brokers: config.KAFKA_BROKERS, clientId: serviceName, topicPartitions: config.KAFKA_TOPIC_PARTITIONS },
  };
}

/**
 * Loads a service's configuration: the schema's validation, with the infrastructure defaults
 * shifted by WORKSHOP_PORT_OFFSET when it is set (see `withPortOffset`).
 */
export function loadServiceConfig<Schema extends z.ZodType>(schema: Schema, env: Environment = processEnvironment()): z.infer<Schema> {
  return loadConfig(schema, withPortOffset(withLocalReplicaUrls(env)));
}
