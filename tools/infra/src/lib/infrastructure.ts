import { existsSync, readdirSync, rmSync } from 'node:fs';
import { loadInfrastructureConfig, type Environment, type InfrastructureConfig } from '@workshop/config';
import type { ComponentName, ComponentStatus, InfrastructureComponent } from './infrastructure-component';
import { infrastructurePaths, type InfrastructurePaths } from './infrastructure-paths';
import { isInfrastructureLockHeld, withInfrastructureLock } from './infrastructure-lock';
import { KafkaBroker } from './kafka';
import { applicationDatabaseFromUrl, PostgresPrimary, PostgresReplica } from './postgres';
import {
  findOnPath,
  findPostgresBinaries,
  installFromDebian,
  MissingPrerequisitesError,
  PREREQUISITES,
  type Prerequisite,
} from './prerequisites';
import { MemcachedServer } from './memcached';
import { RedisServer } from './redis';
import { sleep } from './processes';
import { isHealthy } from './status-table';
import { hostAndPortOf } from './tcp-port';

/** Where Debian's postgresql-15 puts pg_ctl; only used to stop servers when discovery finds nothing. */
const FALLBACK_POSTGRES_BINARIES = '/usr/lib/postgresql/15/bin';

export interface InfrastructureOptions {
  /** The environment to read addresses from; defaults to this process's environment. */
  env?: Environment;
  /**
   * How many streaming replicas `up` runs. Replica N listens on the primary's port + N
   * (15433, 15434, ...) and streams through the replication slot `replica_N`. Default:
   * POSTGRES_REPLICAS (1).
   */
  postgresReplicas?: number;
  /** Progress messages (what is being started, how long it took); silent by default. */
  log?: (message: string) => void;
}

export interface InfrastructureUpResult {
  /** Addresses of everything, ready to use; replica URLs list every replica that runs. */
  config: InfrastructureConfig;
  /** What this call started, in start order; empty when everything was already running. */
  started: ComponentName[];
  statuses: ComponentStatus[];
}

/** The pieces of one configuration: those we run, and those the environment says run elsewhere. */
interface Stack {
  config: InfrastructureConfig;
  paths: InfrastructurePaths;
  kafka?: KafkaBroker;
  postgresPrimary?: PostgresPrimary;
  /** Replicas 1..postgresReplicas, plus any other replica found on disk (so `down` stops it too). */
  postgresReplicas: PostgresReplica[];
  redis?: RedisServer;
  memcached?: MemcachedServer;
  external: ComponentStatus[];
  replicaCount: number;
}

function buildStack(options: InfrastructureOptions = {}): Stack {
  const loaded = options.env === undefined ? loadInfrastructureConfig() : loadInfrastructureConfig(options.env);
  const paths = infrastructurePaths();
  const replicaCount = options.postgresReplicas ?? loaded.postgres.localReplicas;
  if (!Number.isInteger(replicaCount) || replicaCount < 0) {
    throw new Error(`postgresReplicas must be a whole number >= 0, got ${replicaCount}.`);
  }
  const stack: Stack = { config: loaded, paths, postgresReplicas: [], external: [], replicaCount };

  if (loaded.external.kafka) {
    stack.external.push({ name: 'kafka', state: 'external', address: loaded.kafka.brokers.join(',') });
  } else {
    const broker = hostAndPortOf(loaded.kafka.brokers[0] ?? '', 9092);
    stack.kafka = new KafkaBroker(
      { host: broker.host, port: broker.port, controllerPort: broker.port + 1, partitions: loaded.kafka.topicPartitions },
      paths.kafka,
    );
  }

  if (loaded.external.postgres) {
    stack.external.push({ name: 'postgres-primary', state: 'external', address: addressOf(loaded.postgres.primaryUrl) });
    loaded.postgres.replicaUrls.forEach((url, index) =>
      stack.external.push({ name: `postgres-replica-${index + 1}`, state: 'external', address: addressOf(url) }),
    );
  } else {
    const primary = hostAndPortOf(loaded.postgres.primaryUrl, 5432);
    const binaries = findPostgresBinaries() ?? FALLBACK_POSTGRES_BINARIES;
    const primaryServer = new PostgresPrimary(
      primary.host,
      primary.port,
      applicationDatabaseFromUrl(loaded.postgres.primaryUrl),
      binaries,
      paths.postgres,
    );
    stack.postgresPrimary = primaryServer;
    const replicaNumbers = new Set([...Array.from({ length: replicaCount }, (_, index) => index + 1), ...replicasOnDisk(paths)]);
    stack.postgresReplicas = [...replicaNumbers]
      .sort((a, b) => a - b)
      .map(
        (number) => new PostgresReplica(number, primary.host, primary.port + number, primaryServer, primary.port, binaries, paths.postgres),
      );
  }

  if (loaded.external.redis) {
    stack.external.push({ name: 'redis', state: 'external', address: addressOf(loaded.redis.url) });
  } else {
    const redis = hostAndPortOf(loaded.redis.url, 6379);
    stack.redis = new RedisServer(redis.host, redis.port, paths.redis);
  }

  if (loaded.external.memcached) {
    stack.external.push({ name: 'memcached', state: 'external', address: loaded.memcached.servers.join(',') });
  } else {
    const memcached = hostAndPortOf(loaded.memcached.servers[0] ?? '', 11211);
    stack.memcached = new MemcachedServer(memcached.host, memcached.port, paths.memcached);
  }
  return stack;
}

function addressOf(url: string): string {
  const { host, port } = hostAndPortOf(url, 0);
  return `${host}:${port}`;
}

/** Numbers of the replica data directories that exist (`.infra/postgres/replica-N`). */
function replicasOnDisk(paths: InfrastructurePaths): number[] {
  if (!existsSync(paths.postgres.directory)) return [];
  return readdirSync(paths.postgres.directory)
    .map((entry) => /^replica-(\d+)$/.exec(entry)?.[1])
    .filter((number): number is string => number !== undefined)
    .map(Number);
}

/** The replicas `up` runs: 1..postgresReplicas, not the extra ones found on disk. */
function wantedReplicas(stack: Stack): PostgresReplica[] {
  return stack.postgresReplicas.filter((replica) => replica.replicaNumber <= stack.replicaCount);
}

function managedComponents(stack: Stack): InfrastructureComponent[] {
  return [stack.kafka, stack.postgresPrimary, ...stack.postgresReplicas, stack.redis, stack.memcached].filter(
    (component): component is NonNullable<typeof component> => component !== undefined,
  );
}

/** The configuration callers should use: with the URLs of the replicas that actually run. */
function effectiveConfig(stack: Stack): InfrastructureConfig {
  if (stack.config.external.postgres) return stack.config;
  const replicaUrls = wantedReplicas(stack).map((replica) => {
    const url = new URL(stack.config.postgres.primaryUrl);
    url.host = replica.address;
    return url.toString();
  });
  return { ...stack.config, postgres: { ...stack.config.postgres, replicaUrls } };
}

/**
 * Fails before anything starts when a program the non-external pieces need is missing, listing
 * all of them at once. As root on Debian (a fresh CI machine, a container) it installs them from
 * Debian's packages first, so `npm test` and `nx serve gateway` work on a machine that has never
 * run the project; anywhere else it only says what to install.
 */
function checkPrerequisites(stack: Stack, log: (message: string) => void): void {
  const missing = missingPrerequisites(stack);
  if (missing.length > 0 && installFromDebian(missing, log)) {
    const stillMissing = missingPrerequisites(stack);
    if (stillMissing.length > 0) throw new MissingPrerequisitesError(stillMissing);
    return;
  }
  if (missing.length > 0) throw new MissingPrerequisitesError(missing);
}

function missingPrerequisites(stack: Stack): Prerequisite[] {
  const missing: Prerequisite[] = [];
  if (stack.kafka) {
    if (findOnPath('java') === undefined) missing.push(PREREQUISITES.java);
    if (!stack.kafka.hasLibraries() && findOnPath('mvn') === undefined) missing.push(PREREQUISITES.maven);
  }
  if (stack.postgresPrimary && findPostgresBinaries() === undefined) missing.push(PREREQUISITES.postgres);
  if (stack.redis && findOnPath('redis-server') === undefined) missing.push(PREREQUISITES.redis);
  if (stack.memcached && findOnPath('memcached') === undefined) missing.push(PREREQUISITES.memcached);
  return missing;
}

/** Thrown when one or more components fail to start; each failure is in `failures`. */
export class InfrastructureStartError extends Error {
  constructor(readonly failures: readonly Error[]) {
    super(failures.map((failure) => failure.message).join('\n\n'));
    this.name = 'InfrastructureStartError';
  }
}

async function timed(component: InfrastructureComponent, log: (message: string) => void): Promise<boolean> {
  const startedAt = Date.now();
  const started = await component.start();
  if (started) log(`${component.name} started on ${component.address} in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
  return started;
}

/**
 * Starts whatever is not running and waits until every component serves clients (for replicas:
 * until the primary reports them streaming). Kafka, PostgreSQL and Redis start side by side.
 */
export async function upInfrastructure(options: InfrastructureOptions = {}): Promise<InfrastructureUpResult> {
  const stack = buildStack(options);
  const log = options.log ?? (() => undefined);
  checkPrerequisites(stack, log);
  return withInfrastructureLock(stack.paths.lockFile, async () => {
    const started: ComponentName[] = [];
    const startInOrder = async (components: InfrastructureComponent[]) => {
      for (const component of components) {
        if (await timed(component, log)) started.push(component.name);
      }
    };
    if (stack.kafka && !stack.kafka.hasLibraries()) log(`downloading Kafka's jars from Maven Central (once)`);
    const results = await Promise.allSettled([
      startInOrder(stack.kafka ? [stack.kafka] : []),
      startInOrder(stack.postgresPrimary ? [stack.postgresPrimary, ...wantedReplicas(stack)] : []),
      startInOrder(stack.redis ? [stack.redis] : []),
      startInOrder(stack.memcached ? [stack.memcached] : []),
    ]);
    const failures = results
      .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
      .map((result) => (result.reason instanceof Error ? result.reason : new Error(String(result.reason))));
    if (failures.length > 0) throw new InfrastructureStartError(failures);
    return { config: effectiveConfig(stack), started, statuses: await statusesOf(stack) };
  });
}

/** Starts what is not running and returns the configuration once everything is ready. */
export async function startInfrastructure(options: InfrastructureOptions = {}): Promise<InfrastructureConfig> {
  return (await upInfrastructure(options)).config;
}

/** Stops everything the project runs here (never external servers); stopped components are fine. */
export async function stopInfrastructure(options: InfrastructureOptions = {}): Promise<ComponentStatus[]> {
  const stack = buildStack(options);
  return withInfrastructureLock(stack.paths.lockFile, async () => {
    await stopAll(stack);
    return statusesOf(stack);
  });
}

async function stopAll(stack: Stack): Promise<void> {
  const replicasThenPrimary = async () => {
    await Promise.all(stack.postgresReplicas.map((replica) => replica.stop()));
    await stack.postgresPrimary?.stop();
  };
  await Promise.all([stack.kafka?.stop(), replicasThenPrimary(), stack.redis?.stop(), stack.memcached?.stop()]);
}

/** `down`, then deletes all data and logs. Kafka's downloaded jars are kept. */
export async function resetInfrastructure(options: InfrastructureOptions = {}): Promise<void> {
  const stack = buildStack(options);
  await withInfrastructureLock(stack.paths.lockFile, async () => {
    await stopAll(stack);
    for (const component of managedComponents(stack)) component.deleteData();
    if (stack.postgresPrimary) rmSync(stack.paths.postgres.directory, { recursive: true, force: true });
  });
}

/** Each component's state, address and details (replication state for PostgreSQL). */
export async function infrastructureStatus(options: InfrastructureOptions = {}): Promise<ComponentStatus[]> {
  return statusesOf(buildStack(options));
}

async function statusesOf(stack: Stack): Promise<ComponentStatus[]> {
  const external = (name: string) => stack.external.filter((status) => status.name.startsWith(name));
  const [kafka, primary, replicas, redis, memcached] = await Promise.all([
    stack.kafka?.status(),
    stack.postgresPrimary?.status(),
    Promise.all(stack.postgresReplicas.map((replica) => replica.status())),
    stack.redis?.status(),
    stack.memcached?.status(),
  ]);
  // A replica found on disk beyond the wanted count is listed only while it runs.
  const shownReplicas = replicas.filter(
    (status, index) => status.state !== 'stopped' || (stack.postgresReplicas[index]?.replicaNumber ?? 0) <= stack.replicaCount,
  );
  return [
    ...(kafka ? [kafka] : external('kafka')),
    ...(primary ? [primary, ...shownReplicas] : external('postgres-')),
    ...(redis ? [redis] : external('redis')),
    ...(memcached ? [memcached] : external('memcached')),
  ];
}

/**
 * Waits until every component runs (or is external) and no `up` is still in progress: the gate
 * for processes started next to a continuous `serve`, which cannot know when its `up` finishes.
 * Returns the last statuses; rejects after `timeoutMs` with what is not running.
 */
export async function waitForInfrastructure(options: InfrastructureOptions & { timeoutMs?: number } = {}): Promise<ComponentStatus[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 5 * 60_000);
  const { lockFile } = infrastructurePaths();
  for (;;) {
    const statuses = await infrastructureStatus(options);
    if (isHealthy(statuses) && !isInfrastructureLockHeld(lockFile)) return statuses;
    if (Date.now() >= deadline) {
      const waitingFor = statuses.filter((status) => status.state !== 'running' && status.state !== 'external');
      const summary = waitingFor.map((status) => `${status.name} is ${status.state}`).join(', ') || 'an `up` is still in progress';
      throw new Error(`The infrastructure is not ready: ${summary}.`);
    }
    await sleep(500);
  }
}

/** The component called `name`; any `postgres-replica-N` is accepted, not only those `up` runs. */
function findComponent(name: ComponentName, options: InfrastructureOptions): InfrastructureComponent {
  const stack = buildStack(options);
  const replicaNumber = /^postgres-replica-(\d+)$/.exec(name)?.[1];
  if (replicaNumber !== undefined && stack.postgresPrimary && !stack.postgresReplicas.some((replica) => replica.name === name)) {
    const number = Number(replicaNumber);
    const primary = hostAndPortOf(stack.config.postgres.primaryUrl, 5432);
    const binaries = findPostgresBinaries() ?? FALLBACK_POSTGRES_BINARIES;
    return new PostgresReplica(
      number,
      primary.host,
      primary.port + number,
      stack.postgresPrimary,
      primary.port,
      binaries,
      stack.paths.postgres,
    );
  }
  const component = managedComponents(stack).find((candidate) => candidate.name === name);
  if (component === undefined) {
    const external = stack.external.some((status) => status.name === name);
    throw new Error(
      external ? `${name} is external (set in the environment): the project does not run it.` : `No component named ${name}.`,
    );
  }
  return component;
}

/** Starts one component (e.g. after `stopComponent` in a fault-injection test) and waits until it is ready. */
export async function startComponent(name: ComponentName, options: InfrastructureOptions = {}): Promise<void> {
  const component = findComponent(name, options);
  await withInfrastructureLock(infrastructurePaths().lockFile, () => component.start());
}

/** Stops one component cleanly, as an operator would. */
export async function stopComponent(name: ComponentName, options: InfrastructureOptions = {}): Promise<void> {
  await findComponent(name, options).stop();
}

/** Freezes one component (SIGSTOP): connections stay open but nothing answers, like a hung server. */
export async function pauseComponent(name: ComponentName, options: InfrastructureOptions = {}): Promise<void> {
  await findComponent(name, options).pause();
}

/** Lets a paused component run again (SIGCONT). */
export async function resumeComponent(name: ComponentName, options: InfrastructureOptions = {}): Promise<void> {
  await findComponent(name, options).resume();
}

/** The replica called `name`, for the lag-injection functions below. */
function findReplica(name: ComponentName, options: InfrastructureOptions): PostgresReplica {
  const component = findComponent(name, options);
  if (!(component instanceof PostgresReplica)) throw new Error(`${name} is not a PostgreSQL replica.`);
  return component;
}

/**
 * Makes a replica lag by `delayMs`: it applies each transaction that long after the primary
 * committed it (`recovery_min_apply_delay`). 0 removes the delay; a restart of the replica does too.
 */
export async function setReplicaApplyDelay(name: ComponentName, delayMs: number, options: InfrastructureOptions = {}): Promise<void> {
  await findReplica(name, options).setApplyDelay(delayMs);
}

/** Freezes a replica's data (`pg_wal_replay_pause()`); it keeps answering reads. Undo with `resumeReplicaReplay`. */
export async function pauseReplicaReplay(name: ComponentName, options: InfrastructureOptions = {}): Promise<void> {
  await findReplica(name, options).setReplayPaused(true);
}

/** Lets a replica replay WAL again after `pauseReplicaReplay`. */
export async function resumeReplicaReplay(name: ComponentName, options: InfrastructureOptions = {}): Promise<void> {
  await findReplica(name, options).setReplayPaused(false);
}
