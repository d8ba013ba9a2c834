import { resolve } from 'node:path';

/**
 * The workspace root, found from this file's location rather than the current directory, so the
 * same `.infra/` is used whether the code runs from the CLI, an Nx target or a Jest worker.
 */
export const WORKSPACE_ROOT = resolve(__dirname, '../../../..');

/** Where every piece of the local infrastructure keeps its data, logs and pid files. */
export interface InfrastructurePaths {
  root: string;
  kafka: {
    directory: string;
    /** The broker's jars, downloaded once per Kafka version. */
    libraries: string;
    data: string;
    serverProperties: string;
    loggingConfig: string;
    /** The broker's own log (log4j2). */
    log: string;
    /** What the JVM itself writes to stdout/stderr: start-up failures, crashes. */
    consoleLog: string;
    pidFile: string;
  };
  postgres: {
    directory: string;
    /** Shared by every instance; each one's socket is named after its port. */
    sockets: string;
    primaryData: string;
    primaryLog: string;
    replicaData(replicaNumber: number): string;
    replicaLog(replicaNumber: number): string;
  };
  redis: {
    directory: string;
    pidFile: string;
    log: string;
  };
  memcached: {
    directory: string;
    pidFile: string;
    log: string;
  };
  /** Serialises `up`/`down` between processes, e.g. two Jest global setups started by Nx in parallel. */
  lockFile: string;
}

export function infrastructurePaths(workspaceRoot: string = WORKSPACE_ROOT): InfrastructurePaths {
  const root = resolve(workspaceRoot, '.infra');
  const kafka = resolve(root, 'kafka');
  const postgres = resolve(root, 'postgres');
  const redis = resolve(root, 'redis');
  const memcached = resolve(root, 'memcached');
  return {
    root,
    kafka: {
      directory: kafka,
      libraries: resolve(kafka, 'libs'),
      data: resolve(kafka, 'data'),
      serverProperties: resolve(kafka, 'server.properties'),
      loggingConfig: resolve(kafka, 'log4j2.properties'),
      log: resolve(kafka, 'kafka.log'),
      consoleLog: resolve(kafka, 'kafka.out'),
      pidFile: resolve(kafka, 'kafka.pid'),
    },
    postgres: {
      directory: postgres,
      sockets: resolve(postgres, 'sockets'),
      primaryData: resolve(postgres, 'primary'),
      primaryLog: resolve(postgres, 'primary.log'),
      replicaData: (replicaNumber) => resolve(postgres, `replica-${replicaNumber}`),
      replicaLog: (replicaNumber) => resolve(postgres, `replica-${replicaNumber}.log`),
    },
    redis: {
      directory: redis,
      pidFile: resolve(redis, 'redis.pid'),
      log: resolve(redis, 'redis.log'),
    },
    memcached: {
      directory: memcached,
      pidFile: resolve(memcached, 'memcached.pid'),
      log: resolve(memcached, 'memcached.log'),
    },
    lockFile: resolve(root, 'infra.lock'),
  };
}
