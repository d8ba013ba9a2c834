import { appendFileSync, chownSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ComponentStartError, type ComponentName } from './infrastructure-component';
import type { InfrastructurePaths } from './infrastructure-paths';
import { type ListenAddress, LocalProcessComponent } from './local-process-component';
import { isRoot, type ProcessState, readPidFile, runCommand, signalProcessGroup, terminateProcessGroup, waitUntil } from './processes';

/** PostgreSQL refuses to run as root; when we are root, its files and processes belong to this user. */
const POSTGRES_OS_USER = 'postgres';
/** The superuser initdb creates; we reach it only over the Unix socket inside `.infra/`. */
const SUPERUSER = 'postgres';
/** The role replicas stream WAL with. Local-only credentials, like the application's. */
export const REPLICATION_ROLE = { name: 'workshop_replicator', password: 'workshop_replicator' } as const;
/** Our settings live in their own file, included from postgresql.conf and rewritten on every start. */
const SETTINGS_FILE = 'workshop.conf';
const START_TIMEOUT_SECONDS = 60;
const STREAMING_TIMEOUT_MS = 30_000;

/** The database, role and password the services use, taken from DATABASE_PRIMARY_URL. */
export interface ApplicationDatabase {
  database: string;
  user: string;
  password: string;
}

export function applicationDatabaseFromUrl(primaryUrl: string): ApplicationDatabase {
  const url = new URL(primaryUrl);
  return {
    database: decodeURIComponent(url.pathname.replace(/^\//, '')),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/**
 * The settings of one instance. Primary and replicas share them (a standby needs at least the
 * primary's max_connections and max_wal_senders) and differ only in port and name.
 */
export function postgresSettings(instance: { host: string; port: number; socketDirectory: string; clusterName: string }): string {
  return [
    '# Written by tools/infra on every start; edits here are lost.',
    `listen_addresses = '${instance.host}'`,
    `port = ${instance.port}`,
    // Our own socket directory: the machine's PostgreSQL owns /var/run/postgresql.
    `unix_socket_directories = '${instance.socketDirectory}'`,
    // A replica's walreceiver reports cluster_name as its application_name on the primary.
    `cluster_name = '${instance.clusterName}'`,
    'wal_level = replica',
    'max_wal_senders = 10',
    'max_replication_slots = 10',
    'hot_standby = on',
    // Replicas tell the primary which rows their queries still read, so long reads on a replica
    // are not cancelled by vacuum on the primary.
    'hot_standby_feedback = on',
    // ... which holds back the primary's cleanup to the oldest row the replica last reported
    // needing, every 10 s by default. Deleted rows that cannot be cleaned up yet stay in the
    // indexes, and a queue table's scans (the outbox relay's claim) wade through every one of
    // them: ten seconds of deletes made each claim twice as slow. Reporting each second bounds it.
    'wal_receiver_status_interval = 1s',
    // Several services, each with a pool, plus parallel test workers.
    'max_connections = 200',
    "password_encryption = 'scram-sha-256'",
    // A slot whose replica is gone (say, a stopped second replica) would otherwise keep WAL on
    // the primary forever; past this size the slot is invalidated and the replica must be re-cloned.
    'max_slot_wal_keep_size = 1GB',
    "log_line_prefix = '%m [%p] %q%u@%d '",
    '',
  ].join('\n');
}

/**
 * Who may connect how: over the private Unix socket (a directory only the postgres user can
 * enter) anyone is trusted, which is how this tooling administers the server; over TCP every
 * connection needs a SCRAM password, the application's or the replication role's.
 */
export function primaryHostBasedAuthentication(host: string): string {
  const network = `${host}/32`;
  return [
    '# Written by tools/infra when the primary is initialised.',
    '# TYPE  DATABASE     USER  ADDRESS  METHOD',
    'local   all          all            trust',
    'local   replication  all            trust',
    `host    replication  ${REPLICATION_ROLE.name}  ${network}  scram-sha-256`,
    `host    all          all   ${network}  scram-sha-256`,
    '',
  ].join('\n');
}

/** The replication slot of replica N: it keeps the WAL that replica still needs on the primary. */
export function replicationSlotName(replicaNumber: number): string {
  return `replica_${replicaNumber}`;
}

interface PostgresInstanceOptions {
  name: ComponentName;
  host: string;
  port: number;
  dataDirectory: string;
  logFile: string;
  clusterName: string;
  binaries: string;
  paths: InfrastructurePaths['postgres'];
}

/**
 * One PostgreSQL server managed with pg_ctl, run as the postgres OS user when we are root.
 * Subclasses say how its data directory comes to exist: initdb (primary) or pg_basebackup (replica).
 */
abstract class PostgresInstance extends LocalProcessComponent {
  readonly name: ComponentName;
  readonly address: string;

  constructor(protected readonly options: PostgresInstanceOptions) {
    super();
    this.name = options.name;
    this.address = `${options.host}:${options.port}`;
  }

  /** Creates the data directory; called when it has no PG_VERSION yet. */
  protected abstract initialise(): Promise<void>;

  /** The postmaster's pid, from the first line of postmaster.pid. */
  protected get pid(): number | undefined {
    return readPidFile(join(this.options.dataDirectory, 'postmaster.pid'));
  }

  /** The postmaster runs as `postgres -D <data directory>`. */
  protected get commandMarker(): string {
    return this.options.dataDirectory;
  }

  protected get listenAddresses(): readonly ListenAddress[] {
    return [{ host: this.options.host, port: this.options.port }];
  }

  protected get startLog(): string {
    return this.options.logFile;
  }

  protected async launch(): Promise<void> {
    await prepareSharedDirectories(this.options.paths);
    if (!existsSync(join(this.options.dataDirectory, 'PG_VERSION'))) await this.initialise();
    writeOwnedLikeDirectory(
      this.options.dataDirectory,
      SETTINGS_FILE,
      postgresSettings({
        host: this.options.host,
        port: this.options.port,
        socketDirectory: this.options.paths.sockets,
        clusterName: this.options.clusterName,
      }),
    );
    try {
      // -w: returns once the server accepts connections (a standby: once it is consistent and
      // serves read-only queries). pg_ctl sends the server's output to the log file.
      await this.runAsPostgres('pg_ctl', [
        '-D',
        this.options.dataDirectory,
        '-l',
        this.options.logFile,
        '-w',
        '-t',
        String(START_TIMEOUT_SECONDS),
        'start',
      ]);
    } catch (error) {
      throw new ComponentStartError(this.name, 'pg_ctl start failed', this.options.logFile, { cause: error });
    }
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined || this.state === 'stopped') return;
    // A paused server cannot act on pg_ctl's signal.
    signalProcessGroup(pid, 'SIGCONT');
    try {
      // fast: roll back open transactions and disconnect clients, then a clean shutdown.
      await this.runAsPostgres('pg_ctl', ['-D', this.options.dataDirectory, '-m', 'fast', '-w', '-t', '60', 'stop']);
    } catch {
      await terminateProcessGroup(pid, this.commandMarker, { timeoutMs: 10_000 });
    }
  }

  deleteData(): void {
    rmSync(this.options.dataDirectory, { recursive: true, force: true });
    rmSync(this.options.logFile, { force: true });
  }

  protected runAsPostgres(binary: string, args: readonly string[]): Promise<string> {
    return runCommand(join(this.options.binaries, binary), args, { asUser: POSTGRES_OS_USER, cwd: this.options.paths.directory });
  }

  /** A superuser connection over this instance's Unix socket. */
  protected async withSuperuser<Result>(action: (client: Client) => Promise<Result>): Promise<Result> {
    const client = new Client({
      host: this.options.paths.sockets,
      port: this.options.port,
      user: SUPERUSER,
      database: 'postgres',
      connectionTimeoutMillis: 2_000,
      // Status runs against servers a test may have paused: never wait forever.
      query_timeout: 5_000,
    });
    // Errors after connect (the server going away) surface through the pending query.
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await action(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** The primary: initdb, our settings and pg_hba, then the application's role and database. */
export class PostgresPrimary extends PostgresInstance {
  constructor(
    host: string,
    port: number,
    private readonly application: ApplicationDatabase,
    binaries: string,
    paths: InfrastructurePaths['postgres'],
  ) {
    super({
      name: 'postgres-primary',
      host,
      port,
      dataDirectory: paths.primaryData,
      logFile: paths.primaryLog,
      clusterName: 'primary',
      binaries,
      paths,
    });
  }

  protected async initialise(): Promise<void> {
    const dataDirectory = this.options.dataDirectory;
    rmSync(dataDirectory, { recursive: true, force: true });
    await this.runAsPostgres('initdb', [
      '-D',
      dataDirectory,
      '-U',
      SUPERUSER,
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
    ]);
    // initdb made these files as the postgres user; we append as whoever we are, which keeps the owner.
    appendFileSync(join(dataDirectory, 'postgresql.conf'), `\ninclude '${SETTINGS_FILE}'\n`);
    writeFileSync(join(dataDirectory, 'pg_hba.conf'), primaryHostBasedAuthentication(this.options.host));
  }

  /** Creates the application's role and database and the replication role, unless they exist. */
  protected async ensureReady(): Promise<void> {
    const { database, user, password } = this.application;
    await this.withSuperuser(async (client) => {
      await ensureRole(client, user, password, 'LOGIN');
      await ensureRole(client, REPLICATION_ROLE.name, REPLICATION_ROLE.password, 'LOGIN REPLICATION');
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER ${client.escapeIdentifier(user)}`);
      }
    });
  }

  /** Creates replica N's physical replication slot unless it exists. */
  async ensureReplicationSlot(slotName: string): Promise<void> {
    await this.withSuperuser((client) =>
      client.query(
        `SELECT pg_create_physical_replication_slot($1)
          WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)`,
        [slotName],
      ),
    );
  }

  /**
   * How the primary sees the replica using `slotName`: its walsender state ('streaming' once it
   * has caught up) and how many bytes of WAL it has yet to replay; undefined when not connected.
   */
  async replicationState(slotName: string): Promise<{ state: string; replayLagBytes: number } | undefined> {
    const result = await this.withSuperuser((client) =>
      client.query<{ state: string; replay_lag_bytes: string | null }>(
        `SELECT r.state, pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint AS replay_lag_bytes
           FROM pg_replication_slots s JOIN pg_stat_replication r ON r.pid = s.active_pid
          WHERE s.slot_name = $1`,
        [slotName],
      ),
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { state: row.state, replayLagBytes: Number(row.replay_lag_bytes ?? 0) };
  }

  currentState(): ProcessState {
    return this.state;
  }

  protected override async describe(state: ProcessState): Promise<string | undefined> {
    if (state !== 'running') return undefined;
    try {
      const result = await this.withSuperuser((client) =>
        client.query<{ streaming: string }>("SELECT count(*) AS streaming FROM pg_stat_replication WHERE state = 'streaming'"),
      );
      return `${result.rows[0]?.streaming ?? 0} replica(s) streaming`;
    } catch {
      return 'not answering queries';
    }
  }
}

/** A streaming replica: a base backup of the primary through its own slot, then a hot standby. */
export class PostgresReplica extends PostgresInstance {
  private readonly slotName: string;

  constructor(
    readonly replicaNumber: number,
    host: string,
    port: number,
    private readonly primary: PostgresPrimary,
    private readonly primaryPort: number,
    binaries: string,
    paths: InfrastructurePaths['postgres'],
  ) {
    super({
      name: `postgres-replica-${replicaNumber}`,
      host,
      port,
      dataDirectory: paths.replicaData(replicaNumber),
      logFile: paths.replicaLog(replicaNumber),
      clusterName: `replica-${replicaNumber}`,
      binaries,
      paths,
    });
    this.slotName = replicationSlotName(replicaNumber);
  }

  protected async initialise(): Promise<void> {
    if (this.primary.currentState() !== 'running') {
      throw new ComponentStartError(this.name, 'its base backup needs the primary, which is not running', this.options.logFile);
    }
    rmSync(this.options.dataDirectory, { recursive: true, force: true });
    await this.primary.ensureReplicationSlot(this.slotName);
    const primaryConnection = [
      `host=${this.options.host}`,
      `port=${this.primaryPort}`,
      `user=${REPLICATION_ROLE.name}`,
      `password=${REPLICATION_ROLE.password}`,
    ].join(' ');
    // -R writes standby.signal and primary_conninfo/primary_slot_name, so the copy starts as a
    // standby of the primary; -X stream copies the WAL written during the backup as well.
    await this.runAsPostgres('pg_basebackup', [
      '-d',
      primaryConnection,
      '-D',
      this.options.dataDirectory,
      '-R',
      '-X',
      'stream',
      '-S',
      this.slotName,
      '-c',
      'fast',
    ]);
  }

  /**
   * Waits until the primary reports this replica as streaming, when the primary runs (a
   * fault-injection test may start a replica while its primary is down on purpose).
   */
  protected async ensureReady(): Promise<void> {
    if (this.primary.currentState() !== 'running') return;
    const streaming = await waitUntil(
      async () => (await this.primary.replicationState(this.slotName).catch(() => undefined))?.state === 'streaming',
      { timeoutMs: STREAMING_TIMEOUT_MS, intervalMs: 250 },
    );
    if (!streaming) {
      throw new ComponentStartError(
        this.name,
        `the primary did not report it as streaming within ${STREAMING_TIMEOUT_MS / 1000}s`,
        this.options.logFile,
      );
    }
  }

  /** A real start (not finding it running) clears lag injected earlier, so a crashed test cannot leave it behind. */
  override async start(): Promise<boolean> {
    const started = await super.start();
    if (started) await this.setApplyDelay(0);
    return started;
  }

  /**
   * Injects replication lag: the replica applies each transaction only `delayMs` after the
   * primary committed it (`recovery_min_apply_delay`; 0 removes the delay). WAL still streams, so
   * the primary keeps its slot position, and the delay survives a reload but not a restart.
   */
  async setApplyDelay(delayMs: number): Promise<void> {
    if (!Number.isInteger(delayMs) || delayMs < 0) throw new Error(`delayMs must be a whole number >= 0, got ${delayMs}.`);
    await this.withSuperuser(async (client) => {
      await client.query(
        delayMs === 0 ? 'ALTER SYSTEM RESET recovery_min_apply_delay' : `ALTER SYSTEM SET recovery_min_apply_delay = '${delayMs}ms'`,
      );
      await client.query('SELECT pg_reload_conf()');
    });
  }

  /**
   * Stops (or resumes) applying WAL: the replica keeps answering queries from a frozen snapshot
   * of the data while the primary moves on (`pg_wal_replay_pause()`/`pg_wal_replay_resume()`).
   */
  async setReplayPaused(paused: boolean): Promise<void> {
    await this.withSuperuser((client) => client.query(paused ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()'));
  }

  protected override async describe(state: ProcessState): Promise<string | undefined> {
    if (state !== 'running') return undefined;
    const primaryState = this.primary.currentState();
    if (primaryState !== 'running') return `primary ${primaryState}`;
    try {
      const replication = await this.primary.replicationState(this.slotName);
      return replication === undefined
        ? 'not connected to the primary'
        : `${replication.state}, ${replication.replayLagBytes} bytes behind`;
    } catch {
      return 'replication state unknown (primary not answering)';
    }
  }
}

async function ensureRole(client: Client, name: string, password: string, attributes: string): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  const verb = exists.rowCount === 0 ? 'CREATE' : 'ALTER';
  // ALTER as well as CREATE: the password in DATABASE_PRIMARY_URL is the one that must work.
  await client.query(`${verb} ROLE ${client.escapeIdentifier(name)} ${attributes} PASSWORD ${client.escapeLiteral(password)}`);
}

/**
 * `.infra/postgres` and its socket directory belong to the postgres OS user: initdb and
 * pg_basebackup create the data directories inside it, and PostgreSQL insists on owning them.
 */
async function prepareSharedDirectories(paths: InfrastructurePaths['postgres']): Promise<void> {
  mkdirSync(paths.sockets, { recursive: true, mode: 0o700 });
  if (!isRoot()) return;
  const [uid, gid] = await Promise.all([runCommand('id', ['-u', POSTGRES_OS_USER]), runCommand('id', ['-g', POSTGRES_OS_USER])]);
  for (const directory of [paths.directory, paths.sockets]) chownSync(directory, Number(uid), Number(gid));
}

/** Writes a file into a data directory with the directory's owner, so the server can read it. */
function writeOwnedLikeDirectory(directory: string, fileName: string, content: string): void {
  const file = join(directory, fileName);
  writeFileSync(file, content);
  const owner = statSync(directory);
  if (isRoot()) chownSync(file, owner.uid, owner.gid);
}
