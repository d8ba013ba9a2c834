import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { processEnvironment } from '@workshop/config';

/** A program `up` needs, and where Debian gets it. */
export interface Prerequisite {
  program: string;
  neededFor: string;
  debianPackage: string;
}

export const PREREQUISITES = {
  java: { program: 'java', neededFor: 'Kafka', debianPackage: 'openjdk-17-jre-headless' },
  maven: { program: 'mvn', neededFor: "downloading Kafka's jars (once)", debianPackage: 'maven' },
  postgres: { program: 'initdb, pg_ctl, pg_basebackup', neededFor: 'PostgreSQL', debianPackage: 'postgresql-15' },
  redis: { program: 'redis-server', neededFor: 'Redis', debianPackage: 'redis-server' },
  memcached: { program: 'memcached', neededFor: 'Memcached (the alternative cache store)', debianPackage: 'memcached' },
} as const satisfies Record<string, Prerequisite>;

/** Where Debian's postgresql-15 package installs its server binaries; they are not on the PATH. */
const DEBIAN_POSTGRES_BINARIES = '/usr/lib/postgresql/15/bin';

/** Thrown by `up` before it starts anything, when a program it needs is not installed. */
export class MissingPrerequisitesError extends Error {
  constructor(readonly missing: readonly Prerequisite[]) {
    super(missingPrerequisitesMessage(missing));
    this.name = 'MissingPrerequisitesError';
  }
}

/**
 * What to tell a developer whose machine lacks something: the Debian packages to install, and the
 * Docker alternative. The compose stack publishes the same ports as the local one, but the
 * variables must still be set, so that `up` treats those servers as external and starts none.
 */
export function missingPrerequisitesMessage(missing: readonly Prerequisite[]): string {
  const lines = missing.map((item) => `  - ${item.program} (for ${item.neededFor}): apt-get install ${item.debianPackage}`);
  const packages = [...new Set(missing.map((item) => item.debianPackage))].join(' ');
  return [
    'Cannot start the local infrastructure; these programs are missing:',
    ...lines,
    `Install them with: sudo apt-get install -y ${packages}`,
    '',
    'Alternatively, on a machine with Docker, run the same stack from docker-compose.yml:',
    '  docker compose up -d kafka postgres-primary postgres-replica redis memcached',
    'and point the project at it (this also tells `up` not to start its own):',
    '  export KAFKA_BROKERS=127.0.0.1:19092',
    '  export DATABASE_PRIMARY_URL=postgres://workshop:workshop@127.0.0.1:15432/workshop',
    '  export DATABASE_REPLICA_URLS=postgres://workshop:workshop@127.0.0.1:15433/workshop',
    '  export REDIS_URL=redis://127.0.0.1:16379',
    '  export MEMCACHED_SERVERS=127.0.0.1:21211',
  ].join('\n');
}

/** The full path of `program` on the PATH, or undefined. */
export function findOnPath(program: string): string | undefined {
  try {
    // `command -v` is the POSIX way to ask the shell's own PATH lookup.
    return (
      execFileSync('/bin/sh', ['-c', 'command -v "$0"', program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/** The directory holding initdb, pg_ctl, pg_basebackup and postgres, or undefined. */
export function findPostgresBinaries(): string | undefined {
  const hasAll = (directory: string) =>
    ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'].every((binary) => existsSync(join(directory, binary)));
  if (hasAll(DEBIAN_POSTGRES_BINARIES)) return DEBIAN_POSTGRES_BINARIES;
  const pgCtl = findOnPath('pg_ctl');
  const directory = pgCtl === undefined ? undefined : join(pgCtl, '..');
  return directory !== undefined && hasAll(directory) ? directory : undefined;
}

/**
 * Installs the Debian packages of `missing` with apt-get, when this process may: it runs as root
 * on a machine with apt-get (a fresh CI machine or container). Returns whether it tried; the
 * caller checks again, since a package can fail to install. Without root it never asks for a
 * password: the developer gets the list to install instead.
 */
export function installFromDebian(missing: readonly Prerequisite[], log: (message: string) => void): boolean {
  if (process.getuid?.() !== 0 || findOnPath('apt-get') === undefined) return false;
  const packages = [...new Set(missing.map((item) => item.debianPackage))];
  log(`installing ${packages.join(', ')} from Debian's packages`);
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...processEnvironment(), DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    install();
  } catch {
    // A fresh machine's package lists may be missing or stale: refresh them once and retry.
    try {
      execFileSync('apt-get', ['update'], { stdio: 'ignore' });
      install();
    } catch (error) {
      log(`apt-get could not install ${packages.join(', ')}: ${(error as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  return true;
}
