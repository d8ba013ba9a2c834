import { type ReplicaHealthSettings } from './database.types';

/**
 * Where a replica stands with the router:
 * - `unknown`: not checked yet; trusted for reads (a failure falls back) so start-up costs nothing.
 * - `in_read_set`: answering and within the lag limits.
 * - `lagging`: answering but too far behind; only `eventual` reads use it.
 * - `down`: its last check or read failed at the connection level; retried with backoff.
 * - `promoted`: it answers but is no longer in recovery. It is someone's new primary and
 *   diverges from ours from now on, so no read goes there until it is a standby again.
 */
export type ReplicaState = 'unknown' | 'in_read_set' | 'lagging' | 'down' | 'promoted';

export const REPLICA_STATES: readonly ReplicaState[] = ['unknown', 'in_read_set', 'lagging', 'down', 'promoted'];

/** What one health check found. */
export type ReplicaObservation = { kind: 'failed' } | { kind: 'promoted' } | { kind: 'replaying'; lagBytes: number; lagMs: number };

/**
 * The state after an observation. Lag uses hysteresis: a replica leaves the read set past
 * either limit and rejoins only once both lags are below `rejoinFraction` of their limits, so
 * one hovering at a limit is not flipped in and out on every check.
 */
export function nextReplicaState(current: ReplicaState, observation: ReplicaObservation, settings: ReplicaHealthSettings): ReplicaState {
  switch (observation.kind) {
    case 'failed':
      return 'down';
    case 'promoted':
      return 'promoted';
    case 'replaying': {
      const beyondLimit = observation.lagBytes > settings.maxLagBytes || observation.lagMs > settings.maxLagMs;
      if (beyondLimit) return 'lagging';
      if (current === 'in_read_set' || current === 'unknown') return 'in_read_set';
      const wellWithin =
        observation.lagBytes <= settings.maxLagBytes * settings.rejoinFraction &&
        observation.lagMs <= settings.maxLagMs * settings.rejoinFraction;
      return wellWithin ? 'in_read_set' : 'lagging';
    }
  }
}

/** Delay before the next check of a replica that has failed `consecutiveFailures` times in a row. */
export function retryDelayMs(consecutiveFailures: number, settings: ReplicaHealthSettings): number {
  return Math.min(settings.retryInitialMs * 2 ** Math.max(0, consecutiveFailures - 1), settings.retryMaxMs);
}

/** Samples kept: at one per change of the primary's position, minutes of history for a busy primary. */
const HISTORY_LIMIT = 2048;

/**
 * The primary's WAL position over time, as the router saw it (its polls and its own commits).
 * A replica's lag in time is how long ago the primary first wrote past what the replica has
 * replayed now. Unlike `now() - pg_last_xact_replay_timestamp()` on the replica, this does not
 * report an idle primary's caught-up replica as minutes behind.
 */
export class PrimaryPositionHistory {
  private readonly samples: { lsn: bigint; at: number }[] = [];

  /** The newest position seen. */
  get latest(): bigint | undefined {
    return this.samples[this.samples.length - 1]?.lsn;
  }

  record(lsn: bigint, at: number): void {
    const latest = this.latest;
    if (latest !== undefined && lsn <= latest) return;
    this.samples.push({ lsn, at });
    if (this.samples.length > HISTORY_LIMIT) this.samples.splice(0, this.samples.length - HISTORY_LIMIT);
  }

  /** Bytes of WAL the primary has written past `replayed`. */
  lagBytes(replayed: bigint): number {
    const latest = this.latest;
    return latest === undefined || replayed >= latest ? 0 : Number(latest - replayed);
  }

  /** Milliseconds since the primary first wrote past `replayed`; 0 when caught up. */
  lagMs(replayed: bigint, now: number): number {
    // Samples are in increasing LSN order: find the first one past `replayed`.
    let low = 0;
    let high = this.samples.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.samples[middle]?.lsn ?? 0n) > replayed) high = middle;
      else low = middle + 1;
    }
    const firstAhead = this.samples[low];
    return firstAhead === undefined ? 0 : Math.max(0, now - firstAhead.at);
  }
}

/** What the balancer needs to know of a replica. */
export interface BalancedReplica {
  readonly weight: number;
  readonly outstanding: number;
}

/**
 * Least outstanding queries, weighted: the replica with the fewest reads in flight per unit of
 * weight. Unlike round-robin it steers reads away from a replica that answers slowly (its
 * queries pile up), and unlike random it needs no tuning. `rotation` breaks ties fairly.
 */
export function pickLeastOutstanding<Replica extends BalancedReplica>(
  candidates: readonly Replica[],
  rotation: number,
): Replica | undefined {
  let best: Replica | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (let offset = 0; offset < candidates.length; offset += 1) {
    const candidate = candidates[(rotation + offset) % candidates.length];
    if (candidate === undefined) continue;
    const score = (candidate.outstanding + 1) / candidate.weight;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
