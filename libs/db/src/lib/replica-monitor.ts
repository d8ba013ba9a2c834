import { Pool, type PoolConfig } from 'pg';
import { lsnToBigInt, type Logger } from '@workshop/observability';
import { type ReplicaHealthSettings } from './database.types';
import { recordReplicaState, type DatabaseNode } from './database.metrics';
import { nextReplicaState, PrimaryPositionHistory, retryDelayMs, type ReplicaObservation, type ReplicaState } from './replica-state';
import { guardConnectionErrors } from './connection-errors';

/** One replica: its pool for reads, a one-connection pool for its health checks, and what the last check found. */
export class ReplicaNode {
  state: ReplicaState = 'unknown';
  /** WAL replayed as of the last check (or the last direct look by a waiting session read). */
  replayedLsn: bigint | undefined;
  lagBytes = 0;
  lagMs = 0;
  /** Reads in flight: what least-outstanding balancing compares. */
  outstanding = 0;
  consecutiveFailures = 0;
  /** While down: no check before this time. */
  retryAt = 0;

  constructor(
    readonly node: DatabaseNode,
    readonly weight: number,
    readonly pool: Pool,
    readonly healthPool: Pool,
  ) {}

  /** Answering and a standby: fit for `eventual` reads. */
  get healthy(): boolean {
    return this.state === 'unknown' || this.state === 'in_read_set' || this.state === 'lagging';
  }

  /** In the read set: fit for `session` reads. */
  get inReadSet(): boolean {
    return this.state === 'unknown' || this.state === 'in_read_set';
  }

  /** Records a replay position seen directly (replay only moves forward). */
  sawReplayed(lsn: bigint): void {
    if (this.replayedLsn === undefined || lsn > this.replayedLsn) this.replayedLsn = lsn;
  }
}

interface ReplicaPositionRow {
  in_recovery: boolean;
  replayed: string | null;
}

const REPLICA_POSITION_SQL = 'SELECT pg_is_in_recovery() AS in_recovery, pg_last_wal_replay_lsn()::text AS replayed';
const PRIMARY_POSITION_SQL = 'SELECT pg_current_wal_lsn()::text AS position';

/**
 * Watches the replicas: every `pollIntervalMs` it reads the primary's WAL position and each
 * replica's replay position and recovery state, each with a short statement timeout on its own
 * connection, so the routing decision itself never waits for a round trip. A replica that fails a
 * check is down and checked again after a backoff; a read that fails on it marks it down at once.
 */
export class ReplicaMonitor {
  readonly history = new PrimaryPositionHistory();
  private readonly primaryHealthPool: Pool;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;

  constructor(
    readonly replicas: readonly ReplicaNode[],
    primaryConnection: PoolConfig,
    private readonly settings: ReplicaHealthSettings,
    private readonly logger: Logger,
  ) {
    this.primaryHealthPool = guardConnectionErrors(new Pool(healthCheckPoolConfig(primaryConnection, settings)), () => undefined);
  }

  /** Starts polling; the first check runs at once. */
  start(): void {
    if (this.replicas.length === 0) return;
    this.polling = this.pollOnce().finally(() => this.scheduleNextPoll());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling?.catch(() => undefined);
    await Promise.all([this.primaryHealthPool, ...this.replicas.map((replica) => replica.healthPool)].map((pool) => pool.end()));
  }

  /** Checks now instead of at the next tick; resolves when the check has finished. */
  async refresh(): Promise<void> {
    await this.polling?.catch(() => undefined);
    this.polling = this.pollOnce();
    await this.polling;
  }

  /** Records a write position the router itself saw committed (more precise than the poll). */
  recordPrimaryPosition(lsn: bigint): void {
    this.history.record(lsn, Date.now());
  }

  /** Takes a replica out of the read set after a connection-level read failure, until its next successful check. */
  markDown(replica: ReplicaNode, error: unknown): void {
    if (replica.state !== 'down')
      this.logger.warn({ err: error, replica: replica.node }, 'replica failed a read; taken out of the read set');
    this.applyObservation(replica, { kind: 'failed' });
  }

  /**
   * Waits until `replica` has replayed `target`, looking at it directly on one of its read
   * connections every `stepMs`, until `deadline`. Resolves true once it has (replay only moves
   * forward, so any later read on that server sees the target), false at the deadline.
   */
  async waitForReplay(replica: ReplicaNode, target: bigint, deadline: number, stepMs: number): Promise<boolean> {
    const client = await replica.pool.connect();
    // A checked-out connection has no pool listener: a replica stopped while this waits between
    // checks would emit an unhandled 'error' and crash the process. The next query rejects with
    // it instead, and the connection is discarded.
    let lost: Error | undefined;
    const onConnectionError = (error: Error) => (lost = error);
    client.on('error', onConnectionError);
    const release = (error?: Error) => {
      client.removeListener('error', onConnectionError);
      client.release(error ?? lost);
    };
    try {
      for (;;) {
        const { rows } = await client.query<{ replayed: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS replayed');
        const replayed = rows[0]?.replayed;
        if (replayed === null || replayed === undefined) break; // not a standby any more; the next check will say so
        replica.sawReplayed(lsnToBigInt(replayed));
        if (lsnToBigInt(replayed) >= target) {
          release();
          return true;
        }
        if (Date.now() + stepMs > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, stepMs));
      }
    } catch (error) {
      release(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    release();
    return false;
  }

  private scheduleNextPoll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.pollOnce().finally(() => this.scheduleNextPoll());
    }, this.settings.pollIntervalMs);
    // Polling alone must not keep a process alive.
    this.timer.unref();
  }

  private async pollOnce(): Promise<void> {
    await this.pollPrimary();
    const now = Date.now();
    await Promise.all(
      this.replicas.filter((replica) => replica.state !== 'down' || now >= replica.retryAt).map((replica) => this.check(replica)),
    );
  }

  private async pollPrimary(): Promise<void> {
    try {
      const { rows } = await this.primaryHealthPool.query<{ position: string }>(PRIMARY_POSITION_SQL);
      const position = rows[0]?.position;
      if (position !== undefined) this.recordPrimaryPosition(lsnToBigInt(position));
    } catch (error) {
      // Lag is then measured against the last known position; the primary's own failures show elsewhere.
      this.logger.debug({ err: error }, 'cannot read the primary WAL position');
    }
  }

  private async check(replica: ReplicaNode): Promise<void> {
    let observation: ReplicaObservation;
    try {
      const row = await queryOnFreshOrPooledClient<ReplicaPositionRow>(replica.healthPool, REPLICA_POSITION_SQL);
      if (!row.in_recovery || row.replayed === null) {
        observation = { kind: 'promoted' };
      } else {
        const replayed = lsnToBigInt(row.replayed);
        replica.sawReplayed(replayed);
        const position = replica.replayedLsn ?? replayed;
        observation = { kind: 'replaying', lagBytes: this.history.lagBytes(position), lagMs: this.history.lagMs(position, Date.now()) };
      }
    } catch (error) {
      if (replica.state !== 'down')
        this.logger.warn({ err: error, replica: replica.node }, 'replica health check failed; taken out of the read set');
      observation = { kind: 'failed' };
    }
    this.applyObservation(replica, observation);
  }

  private applyObservation(replica: ReplicaNode, observation: ReplicaObservation): void {
    const previous = replica.state;
    replica.state = nextReplicaState(previous, observation, this.settings);
    if (observation.kind === 'failed') {
      replica.consecutiveFailures += 1;
      replica.retryAt = Date.now() + retryDelayMs(replica.consecutiveFailures, this.settings);
    } else {
      replica.consecutiveFailures = 0;
    }
    if (observation.kind === 'replaying') {
      replica.lagBytes = observation.lagBytes;
      replica.lagMs = observation.lagMs;
    }
    recordReplicaState(
      replica.node,
      replica.state,
      observation.kind === 'replaying' ? { bytes: replica.lagBytes, ms: replica.lagMs } : undefined,
    );
    if (previous !== replica.state && previous !== 'unknown') this.logStateChange(replica, previous);
  }

  private logStateChange(replica: ReplicaNode, previous: ReplicaState): void {
    const details = { replica: replica.node, from: previous, to: replica.state, lagBytes: replica.lagBytes, lagMs: replica.lagMs };
    if (replica.state === 'promoted') {
      this.logger.error(details, 'replica is no longer in recovery (promoted): no reads go to it until it is a standby again');
    } else {
      this.logger.info(details, `replica is now ${replica.state}`);
    }
  }
}

/** One statement on a pooled connection; a connection that failed is destroyed rather than reused. */
async function queryOnFreshOrPooledClient<Row extends object>(pool: Pool, sql: string): Promise<Row> {
  const client = await pool.connect();
  let rows: Row[];
  try {
    rows = (await client.query<Row>(sql)).rows;
  } catch (error) {
    client.release(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  client.release();
  const row = rows[0];
  if (row === undefined) throw new Error(`${sql} returned no row`);
  return row;
}

/**
 * Health checks get a connection of their own with a short statement timeout (and a client-side
 * read timeout a little longer, for a server that went silent): a check must fail fast, and must
 * not queue behind application reads on a saturated pool.
 */
export function healthCheckPoolConfig(connection: PoolConfig, settings: ReplicaHealthSettings): PoolConfig {
  return {
    ...connection,
    max: 1,
    application_name: `${connection.application_name ?? 'db'}:health`,
    statement_timeout: settings.checkTimeoutMs,
    query_timeout: settings.checkTimeoutMs + 500,
    connectionTimeoutMillis: settings.checkTimeoutMs,
    idleTimeoutMillis: 0,
  };
}
