import { setReplicaApplyDelay, startComponent, stopComponent, type ComponentName } from '@workshop/infra';
import { type RunningSystem, type SystemProcess } from '@workshop/testing';
import { type FaultKind, type FaultWindow } from '../scenario/scenario';

/** A fault as it actually happened: when it was injected and repaired, in seconds into the run. */
export interface FaultRecord {
  kind: FaultKind;
  startedAtSecond: number;
  repairedAtSecond: number;
  /** What was broken, e.g. `redis` or `user-service-2`. */
  target: string;
  /** Set when injecting or repairing failed; the run goes on and the report says so. */
  problem?: string;
}

interface Fault {
  target: string;
  inject(): Promise<void>;
  repair(): Promise<void>;
}

function infrastructureFault(component: ComponentName, env: Record<string, string | undefined>): Fault {
  return {
    target: component,
    inject: () => stopComponent(component, { env }),
    repair: () => startComponent(component, { env }),
  };
}

/** How far behind the `lag-replica` fault puts the replica: past the routers' session wait, well under their lag limit. */
const REPLICA_LAG_MS = 1_000;

function faultFor(kind: FaultKind, system: RunningSystem, env: Record<string, string | undefined>): Fault {
  switch (kind) {
    case 'stop-redis':
      return infrastructureFault('redis', env);
    case 'stop-replica':
      return infrastructureFault('postgres-replica-1', env);
    case 'lag-replica':
      // The replica keeps answering, but applies each change a second late: reads it serves are stale.
      return {
        target: 'postgres-replica-1',
        inject: () => setReplicaApplyDelay('postgres-replica-1', REPLICA_LAG_MS, { env }),
        repair: () => setReplicaApplyDelay('postgres-replica-1', 0, { env }),
      };
    case 'stop-kafka':
      return infrastructureFault('kafka', env);
    case 'kill-user-service-instance': {
      // The last instance, so with one instance the service is gone for the window.
      const instances = system.processes.filter((process) => process.service === 'user-service');
      const victim: SystemProcess | undefined = instances.at(-1);
      if (victim === undefined) throw new Error('No user-service instance to kill.');
      return { target: victim.name, inject: () => victim.kill('SIGKILL'), repair: () => victim.restart() };
    }
  }
}

/**
 * Runs a configuration's fault windows against the clock of the measured run: each fault is
 * injected at its start second (or when the previous one is repaired, if later) and repaired
 * `durationSeconds` after; resolves when all are repaired.
 */
export function scheduleFaults(
  windows: readonly FaultWindow[],
  system: RunningSystem,
  env: Record<string, string | undefined>,
): Promise<FaultRecord[]> {
  const startMs = performance.now();
  const seconds = () => (performance.now() - startMs) / 1000;
  const sleepUntil = (second: number) =>
    new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, second * 1000 - (performance.now() - startMs))));

  const run = async (window: FaultWindow): Promise<FaultRecord> => {
    const fault = faultFor(window.kind, system, env);
    await sleepUntil(window.startSecond);
    const startedAtSecond = seconds();
    const record: FaultRecord = { kind: window.kind, target: fault.target, startedAtSecond, repairedAtSecond: 0 };
    try {
      await fault.inject();
    } catch (error) {
      record.problem = `inject: ${(error as Error).message}`;
    }
    await sleepUntil(startedAtSecond + window.durationSeconds);
    try {
      await fault.repair();
    } catch (error) {
      record.problem = `${record.problem ? `${record.problem}; ` : ''}repair: ${(error as Error).message}`;
    }
    record.repairedAtSecond = seconds();
    return record;
  };
  // One fault at a time, in order: a window that starts while the previous repair is still
  // running (Kafka takes seconds to come back) waits for it, so faults never pile up.
  const ordered = [...windows].sort((a, b) => a.startSecond - b.startSecond);
  return ordered.reduce<Promise<FaultRecord[]>>(async (done, window) => [...(await done), await run(window)], Promise.resolve([]));
}
