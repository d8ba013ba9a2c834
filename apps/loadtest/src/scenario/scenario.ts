import { type Environment } from '@workshop/config';
import { type ServiceName } from '@workshop/testing';
import { type ArrivalModel } from '../load/arrival-model';
import { type WorkloadSpec } from '../workload/workload';

/**
 * Something broken on purpose during a run, for a while, then repaired:
 * - `stop-redis`, `stop-replica`, `stop-kafka`: the infrastructure component is stopped cleanly
 *   (tools/infra `stopComponent`) and started again (`startComponent`) at the end of the window.
 * - `kill-user-service-instance`: one user-service instance gets SIGKILL (a crash, an OOM kill)
 *   and is started again at the end of the window, as an orchestrator would.
 */
export type FaultKind = 'stop-redis' | 'stop-replica' | 'lag-replica' | 'stop-kafka' | 'kill-user-service-instance';

export interface FaultWindow {
  kind: FaultKind;
  /** Seconds into the measured run. */
  startSecond: number;
  durationSeconds: number;
}

/** The opt-in capacity model: each backend instance serves at most `maxConcurrency` requests at once, each taking at least `serviceTimeMs`. */
export interface CapacityModel {
  maxConcurrency: number;
  serviceTimeMs: number;
}

/** One system configuration of a scenario: how the system is started for one measured run. */
export interface SystemConfiguration {
  /** Short label for tables and charts, e.g. `cache on`. */
  name: string;
  /** Environment of every process, with the project's variable names (CACHE_ENABLED, …). */
  env?: Environment;
  /** Environment of one service only. */
  serviceEnv?: Partial<Record<ServiceName, Environment>>;
  instances?: Partial<Record<Exclude<ServiceName, 'gateway'>, number>>;
  /** PostgreSQL streaming replicas the infrastructure runs (default 1); services read from all of them. */
  postgresReplicas?: number;
  capacity?: CapacityModel;
  /** Overrides the scenario's arrival model (e.g. the rate-limit scenario's offered load). */
  arrival?: ArrivalModel;
  faults?: FaultWindow[];
}

/** The figures a scenario compares; see FIGURES in report/figures.ts for their meaning. */
export type FigureName =
  | 'throughput'
  | 'achieved-rate'
  | 'p50'
  | 'p99'
  | 'p999'
  | 'max'
  | 'error-share'
  | 'rejected-share'
  | 'cache-hit-ratio'
  | 'replica-read-share'
  | 'primary-queries-per-second'
  | 'stale-reads'
  | 'place-order-p99'
  | 'order-settlement-p99'
  | 'consumer-lag'
  | 'outbox-backlog'
  | 'gateway-429s'
  | 'service-cpu'
  | 'service-memory'
  | 'scaling-efficiency';

export interface Scenario {
  name: string;
  title: string;
  /** The question the scenario answers, printed at the top of its report. */
  question: string;
  configurations: SystemConfiguration[];
  workload: WorkloadSpec;
  seed: { users: number; ordersPerUser: number };
  arrival: ArrivalModel;
  warmUpSeconds: number;
  figures: FigureName[];
  /** The configuration axis of the "throughput vs instances" chart, when the scenario scales something. */
  scalingAxis?: { label: string; valueOf: (configuration: SystemConfiguration) => number };
}

/** Identity helper that type-checks a scenario file. */
export const defineScenario = (scenario: Scenario): Scenario => scenario;
