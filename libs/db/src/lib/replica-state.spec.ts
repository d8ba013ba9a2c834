import { REPLICA_HEALTH_DEFAULTS, type ReplicaHealthSettings } from './database.types';
import { nextReplicaState, pickLeastOutstanding, PrimaryPositionHistory, retryDelayMs } from './replica-state';

const settings: ReplicaHealthSettings = { ...REPLICA_HEALTH_DEFAULTS, maxLagBytes: 1000, maxLagMs: 1000, rejoinFraction: 0.5 };
const replaying = (lagBytes: number, lagMs: number) => ({ kind: 'replaying', lagBytes, lagMs }) as const;

describe('nextReplicaState', () => {
  it('keeps a replica within the limits in the read set, and takes it out past either limit', () => {
    expect(nextReplicaState('unknown', replaying(0, 0), settings)).toBe('in_read_set');
    expect(nextReplicaState('in_read_set', replaying(1000, 1000), settings)).toBe('in_read_set');
    expect(nextReplicaState('in_read_set', replaying(1001, 0), settings)).toBe('lagging');
    expect(nextReplicaState('in_read_set', replaying(0, 1001), settings)).toBe('lagging');
  });

  it('lets a lagging replica back only once both lags are under half the limits (hysteresis)', () => {
    expect(nextReplicaState('lagging', replaying(900, 0), settings)).toBe('lagging');
    expect(nextReplicaState('lagging', replaying(400, 900), settings)).toBe('lagging');
    expect(nextReplicaState('lagging', replaying(500, 500), settings)).toBe('in_read_set');
  });

  it('takes a failed replica down, and brings it back through the same hysteresis', () => {
    expect(nextReplicaState('in_read_set', { kind: 'failed' }, settings)).toBe('down');
    expect(nextReplicaState('down', replaying(800, 0), settings)).toBe('lagging');
    expect(nextReplicaState('down', replaying(0, 0), settings)).toBe('in_read_set');
  });

  it('marks a server no longer in recovery as promoted until it replays again', () => {
    expect(nextReplicaState('in_read_set', { kind: 'promoted' }, settings)).toBe('promoted');
    expect(nextReplicaState('promoted', replaying(0, 0), settings)).toBe('in_read_set');
  });
});

describe('retryDelayMs', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const backoff = { ...settings, retryInitialMs: 100, retryMaxMs: 500 };
    expect([1, 2, 3, 4, 10].map((failures) => retryDelayMs(failures, backoff))).toEqual([100, 200, 400, 500, 500]);
  });
});

describe('PrimaryPositionHistory', () => {
  it('measures lag in bytes against the newest position and in time since the primary first passed the replica', () => {
    const history = new PrimaryPositionHistory();
    history.record(100n, 1_000);
    history.record(200n, 2_000);
    history.record(150n, 2_500); // older than the newest: ignored
    history.record(300n, 3_000);

    expect(history.latest).toBe(300n);
    expect(history.lagBytes(300n)).toBe(0);
    expect(history.lagBytes(120n)).toBe(180);
    expect(history.lagMs(300n, 5_000)).toBe(0);
    expect(history.lagMs(250n, 5_000)).toBe(2_000);
    expect(history.lagMs(150n, 5_000)).toBe(3_000);
    expect(history.lagMs(50n, 5_000)).toBe(4_000);
  });

  it('reports an idle primary caught up as no lag, however long ago it last wrote', () => {
    const history = new PrimaryPositionHistory();
    history.record(100n, 0);
    expect(history.lagMs(100n, 10 * 60_000)).toBe(0);
  });
});

describe('pickLeastOutstanding', () => {
  const replica = (name: string, outstanding: number, weight = 1) => ({ name, outstanding, weight });

  it('picks the replica with the fewest reads in flight per unit of weight', () => {
    expect(pickLeastOutstanding([replica('a', 3), replica('b', 1)], 0)?.name).toBe('b');
    expect(pickLeastOutstanding([replica('a', 3, 4), replica('b', 1)], 0)?.name).toBe('a');
  });

  it('breaks ties by rotation, so idle replicas share the reads', () => {
    const idle = [replica('a', 0), replica('b', 0), replica('c', 0)];
    expect([0, 1, 2, 3].map((rotation) => pickLeastOutstanding(idle, rotation)?.name)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('returns undefined when there is no candidate', () => {
    expect(pickLeastOutstanding([], 0)).toBeUndefined();
  });
});
